
namespace ItkWasmCluster.Cli.Tests;

public class ConvertCommandTests
{
    [Theory]
    [InlineData("itk-wasm/cthead1-rgb.iwi.cbor", ".iwi", ".iwi.cbor.zst", ".iwi.cbor")]
    [InlineData("itk-wasm/cow.iwm.cbor", ".iwm.cbor.zst", ".iwm", ".iwm.cbor")]
    [InlineData("itk-wasm/CompositeTransform.iwt.cbor", ".iwt", ".iwt.cbor.zst", ".iwt.cbor")]
    public void Convert_ThroughEveryFormAndBack_GivesTheOriginalBytes(string file, string first, string second, string last)
    {
        using var temp = new TempDirectory();
        var source = SharedData.Path(file);
        var steps = new[] { source, temp.Combine("a" + first), temp.Combine("b" + second), temp.Combine("c" + last) };

        for (var i = 1; i < steps.Length; i++)
        {
            var run = CliRun.InProcess("convert", steps[i - 1], steps[i]);
            Assert.True(run.ExitCode == 0, run.Stderr);
        }

        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(steps[^1]));
    }

    [Fact]
    public void Convert_ToOmeZarrAndBack_GivesTheOriginalBytes_AndRefusesAnExistingFolder()
    {
        using var temp = new TempDirectory();
        var source = temp.Combine("volume.iwi.cbor");
        using (var image = new ItkWasm.Image(new ItkWasm.ImageType(3, ItkWasm.ComponentType.Int16)) { Size = [9, 7, 5], Spacing = [0.5, 0.5, 2], Origin = [1, 2, 3], Direction = [0, 1, 0, -1, 0, 0, 0, 0, 1] })
        {
            image.Data.Dispose();
            image.Data = ItkWasm.DataBuffer.Allocate(image.ByteLength);
            new Random(5).NextBytes(image.Data.AsSpan());
            ItkWasm.IO.ImageFile.Write(image, source);
        }

        var there = CliRun.InProcess("convert", source, temp.Combine("volume.ome.zarr"));
        var back = CliRun.InProcess("convert", temp.Combine("volume.ome.zarr"), temp.Combine("back.iwi.cbor"));
        var again = CliRun.InProcess("convert", source, temp.Combine("volume.ome.zarr"));

        Assert.True(there.ExitCode == 0, there.Stderr);
        Assert.True(back.ExitCode == 0, back.Stderr);
        Assert.True(File.Exists(temp.Combine("volume.ome.zarr/.zattrs")));
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(temp.Combine("back.iwi.cbor")));
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("exists", again.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Convert_BetweenKinds_FailsAndWritesNothing()
    {
        using var temp = new TempDirectory();

        var run = CliRun.InProcess("convert", SharedData.Path("itk-wasm/cow.iwm"), temp.Combine("x.iwi.cbor"));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("cannot convert a mesh", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.FullName));
    }

    [Fact]
    public void Convert_FromCorruptFile_FailsAndLeavesNoOutput()
    {
        using var temp = new TempDirectory();
        var bytes = File.ReadAllBytes(SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"));
        File.WriteAllBytes(temp.Combine("cut.iwi.cbor"), bytes[..1000]);

        var run = CliRun.InProcess("convert", temp.Combine("cut.iwi.cbor"), temp.Combine("out.iwi.cbor"));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("truncated", run.Stderr, StringComparison.Ordinal);
        Assert.Equal([temp.Combine("cut.iwi.cbor")], Directory.EnumerateFileSystemEntries(temp.FullName));
    }

    [Fact]
    public void Convert_ToAnUnknownFormat_SaysNotSupported()
    {
        var run = CliRun.InProcess("convert", SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"), "/tmp/out.xyz");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("/tmp/out.xyz: this format is not supported", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Convert_FromAnUnknownExtension_TriesEveryReaderThenSaysNone()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.Combine("notes.xyz"), "not an image");

        var run = CliRun.InProcess("convert", temp.Combine("notes.xyz"), temp.Combine("out.iwi.cbor"));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("@itk-wasm/image-io could not read this file", run.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(temp.Combine("out.iwi.cbor")));
    }

    [Fact]
    public void Convert_PngToIwiCbor_ReadsThroughImageIo()
    {
        using var temp = new TempDirectory();

        var run = CliRun.InProcess("convert", SharedData.Path("itk-wasm/cthead1.png"), temp.Combine("cthead1.iwi.cbor"));

        Assert.True(run.ExitCode == 0, run.Stderr);
        using var image = ItkWasm.IO.ImageFile.Read(temp.Combine("cthead1.iwi.cbor"));
        Assert.Equal([256L, 256L], image.Size);
        Assert.Equal(ItkWasm.ComponentType.UInt8, image.ImageType.ComponentType);
    }

    [Fact]
    public void Convert_NrrdToNiftiAndBack_KeepsEveryVoxel()
    {
        using var temp = new TempDirectory();

        Assert.Equal(0, CliRun.InProcess("convert", SharedData.Path("itk-wasm/tooth.nrrd"), temp.Combine("tooth.nii.gz")).ExitCode);
        Assert.Equal(0, CliRun.InProcess("convert", temp.Combine("tooth.nii.gz"), temp.Combine("tooth.iwi.cbor")).ExitCode);
        Assert.Equal(0, CliRun.InProcess("convert", SharedData.Path("itk-wasm/tooth.nrrd"), temp.Combine("direct.iwi.cbor")).ExitCode);

        using var viaNifti = ItkWasm.IO.ImageFile.Read(temp.Combine("tooth.iwi.cbor"));
        using var direct = ItkWasm.IO.ImageFile.Read(temp.Combine("direct.iwi.cbor"));
        Assert.Equal([103L, 94L, 161L], direct.Size);
        Assert.True(direct.Data.ContentEquals(viaNifti.Data));
    }

    [Fact]
    public void Convert_VtkMeshToIwm_ReadsThroughMeshIo()
    {
        using var temp = new TempDirectory();

        var run = CliRun.InProcess("convert", SharedData.Path("itk-wasm/cow.vtk"), temp.Combine("cow.iwm.cbor"));

        Assert.True(run.ExitCode == 0, run.Stderr);
        using var mesh = ItkWasm.IO.MeshFile.Read(temp.Combine("cow.iwm.cbor"));
        Assert.Equal((2903, 3263), (mesh.NumberOfPoints, mesh.NumberOfCells));
    }
}
