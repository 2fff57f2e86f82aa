using ItkWasm.IO;
using ItkWasm.IO.Zstd;

namespace ItkWasm.Tests.IO;

/// <summary>The writers reproduce ITK-Wasm's bytes exactly, and every form round-trips every value and byte.</summary>
public class ByteIdentityTests
{
    [Fact]
    public void WriteImage_ReadCthead1Cbor_GivesTheOriginalBytes()
    {
        var path = SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor");
        using var image = ImageFile.Read(path);
        using var written = new MemoryStream();

        ImageFile.Write(image, written, ItkWasmFileForm.Cbor);

        Assert.Equal(File.ReadAllBytes(path), written.ToArray());
    }

    [Fact]
    public void WriteMesh_ReadCowCbor_GivesTheOriginalBytes()
    {
        var path = SharedData.Path("itk-wasm/cow.iwm.cbor");
        using var mesh = MeshFile.Read(path);
        using var written = new MemoryStream();

        MeshFile.Write(mesh, written, ItkWasmFileForm.Cbor);

        Assert.Equal(File.ReadAllBytes(path), written.ToArray());
    }

    [Fact]
    public void WriteTransformList_ReadCompositeCbor_GivesTheOriginalBytes()
    {
        var path = SharedData.Path("itk-wasm/CompositeTransform.iwt.cbor");
        using var list = TransformListFile.Read(path);
        using var written = new MemoryStream();

        TransformListFile.Write(list, written, ItkWasmFileForm.Cbor);

        Assert.Equal(File.ReadAllBytes(path), written.ToArray());
    }

    [Fact]
    public void WriteImage_FromDirectoryForm_GivesTheSameCborAsItkWasm()
    {
        using var image = ImageFile.Read(SharedData.Path("itk-wasm/cthead1-rgb.iwi"));
        using var written = new MemoryStream();

        ImageFile.Write(image, written, ItkWasmFileForm.Cbor);

        Assert.Equal(File.ReadAllBytes(SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor")), written.ToArray());
    }

    [Fact]
    public void WriteMesh_FromDirectoryForm_GivesTheSameCborAsItkWasm()
    {
        using var mesh = MeshFile.Read(SharedData.Path("itk-wasm/cow.iwm"));
        using var written = new MemoryStream();

        MeshFile.Write(mesh, written, ItkWasmFileForm.Cbor);

        Assert.Equal(File.ReadAllBytes(SharedData.Path("itk-wasm/cow.iwm.cbor")), written.ToArray());
    }

    [Theory]
    [InlineData("itk-wasm/cthead1-rgb.iwi.cbor")]
    [InlineData("itk-wasm/cthead1-rgb.iwi")]
    [InlineData("itk-wasm/web-worker-pool-baseline.iwi")]
    public void ConvertImage_ThroughEveryForm_PreservesEveryValueAndByte(string file)
    {
        using var temp = new TempDirectory();
        using var original = ImageFile.Read(SharedData.Path(file));
        var cbor = temp.Combine("a.iwi.cbor");
        var zst = temp.Combine("b.iwi.cbor.zst");
        var dir = temp.Combine("c.iwi");
        var back = temp.Combine("d.iwi.cbor");

        ImageFile.Write(original, cbor);
        using (var a = ImageFile.Read(cbor))
        {
            ImageFile.Write(a, zst);
        }

        using (var b = ImageFile.Read(zst))
        {
            ImageFile.Write(b, dir);
        }

        using (var c = ImageFile.Read(dir))
        {
            ImageFile.Write(c, back);
        }

        using var final = ImageFile.Read(back);
        ImageAssert.Equal(original, final);
        Assert.Equal(File.ReadAllBytes(cbor), File.ReadAllBytes(back));
    }

    [Fact]
    public void ConvertMesh_ThroughEveryForm_PreservesEveryValueAndByte()
    {
        using var temp = new TempDirectory();
        var cbor = SharedData.Path("itk-wasm/cow.iwm.cbor");
        using var original = MeshFile.Read(cbor);

        MeshFile.Write(original, temp.Combine("a.iwm.cbor.zst"));
        using (var a = MeshFile.Read(temp.Combine("a.iwm.cbor.zst")))
        {
            MeshFile.Write(a, temp.Combine("b.iwm"));
        }

        using (var b = MeshFile.Read(temp.Combine("b.iwm")))
        {
            MeshFile.Write(b, temp.Combine("c.iwm.cbor"));
        }

        Assert.Equal(File.ReadAllBytes(cbor), File.ReadAllBytes(temp.Combine("c.iwm.cbor")));
        Assert.True(File.Exists(temp.Combine("b.iwm/data/points.raw")));
        Assert.False(File.Exists(temp.Combine("b.iwm/data/point-data.raw")));
    }

    [Fact]
    public void ConvertTransformList_ThroughEveryForm_PreservesEveryValueAndByte()
    {
        using var temp = new TempDirectory();
        var cbor = SharedData.Path("itk-wasm/CompositeTransform.iwt.cbor");
        using var original = TransformListFile.Read(cbor);

        TransformListFile.Write(original, temp.Combine("a.iwt"));
        using (var a = TransformListFile.Read(temp.Combine("a.iwt")))
        {
            TransformListFile.Write(a, temp.Combine("b.iwt.cbor.zst"));
        }

        using (var b = TransformListFile.Read(temp.Combine("b.iwt.cbor.zst")))
        {
            TransformListFile.Write(b, temp.Combine("c.iwt.cbor"));
        }

        Assert.Equal(File.ReadAllBytes(cbor), File.ReadAllBytes(temp.Combine("c.iwt.cbor")));
        Assert.False(Directory.Exists(temp.Combine("a.iwt/data/0")));
        Assert.Equal(
            File.ReadAllBytes(SharedData.Path("itk-wasm/CompositeTransform.iwt/data/2/parameters.raw")),
            File.ReadAllBytes(temp.Combine("a.iwt/data/2/parameters.raw")));
    }

    [Fact]
    public void WriteImage_CborZstd_IsOneFrameWithContentSizeInItsHeader()
    {
        using var temp = new TempDirectory();
        using var image = ImageFile.Read(SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"));
        var zst = temp.Combine("x.iwi.cbor.zst");

        ImageFile.Write(image, zst);

        Assert.Equal(196830, ZstdStream.GetFrameContentSize(File.ReadAllBytes(zst)));
    }

    [Fact]
    public void ReadImage_FileDirectionColumnMajor_LoadsAsRowMajorAndWritesBack()
    {
        // ITKWASM-SPEC §3.2: file direction [0,1,-1,0] is memory [0,-1,1,0].
        using var temp = new TempDirectory();
        var path = temp.Combine("rotated.iwi.cbor");
        var bytes = File.ReadAllBytes(SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"));
        var at = IndexOf(bytes, [0xd8, 0x56, 0x58, 0x20]) + 4;
        BitConverter.GetBytes(0.0).CopyTo(bytes, at);
        BitConverter.GetBytes(1.0).CopyTo(bytes, at + 8);
        BitConverter.GetBytes(-1.0).CopyTo(bytes, at + 16);
        BitConverter.GetBytes(0.0).CopyTo(bytes, at + 24);
        File.WriteAllBytes(path, bytes);

        using var image = ImageFile.Read(path);
        Assert.Equal([0.0, -1.0, 1.0, 0.0], image.Direction);

        using var written = new MemoryStream();
        ImageFile.Write(image, written, ItkWasmFileForm.Cbor);
        Assert.Equal(bytes, written.ToArray());

        ImageFile.Write(image, temp.Combine("rotated.iwi"));
        var raw = File.ReadAllBytes(temp.Combine("rotated.iwi/data/direction.raw"));
        Assert.Equal(bytes.AsSpan(at, 32).ToArray(), raw);
    }

    private static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);
}
