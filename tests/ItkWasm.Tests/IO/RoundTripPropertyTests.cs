using FsCheck;
using FsCheck.Fluent;
using ItkWasm.IO;

namespace ItkWasm.Tests.IO;

/// <summary>Property-based round trips through every form (FsCheck, 100 random values per property).</summary>
public class RoundTripPropertyTests
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(100);

    [Fact]
    public void Image_AnyTypeShapeDirectionAndMetadata_RoundTripsThroughEveryForm()
    {
        Check.One(Runs, Prop.ForAll(Generators.AnyImage.ToArbitrary(), image =>
        {
            using var _ = image;
            using var temp = new TempDirectory();
            foreach (var extension in new[] { ".iwi.cbor", ".iwi.cbor.zst", ".iwi" })
            {
                var path = temp.Combine("x" + extension);
                ImageFile.Write(image, path);
                using var back = ImageFile.Read(path);
                ImageAssert.Equal(image, back);
                Assert.Equal(CborBytes(image), CborBytes(back));
            }
        }));
    }

    [Fact]
    public void Mesh_AnyTypeAndCounts_RoundTripsThroughEveryForm()
    {
        Check.One(Runs, Prop.ForAll(Generators.AnyMesh.ToArbitrary(), mesh =>
        {
            using var _ = mesh;
            using var temp = new TempDirectory();
            foreach (var extension in new[] { ".iwm.cbor", ".iwm.cbor.zst", ".iwm" })
            {
                var path = temp.Combine("x" + extension);
                MeshFile.Write(mesh, path);
                using var back = MeshFile.Read(path);
                ImageAssert.Equal(mesh, back);
            }
        }));
    }

    [Fact]
    public void TransformList_AnyParameterizationsAndTypes_RoundTripsThroughEveryForm()
    {
        Check.One(Runs, Prop.ForAll(Generators.AnyTransformList.ToArbitrary(), list =>
        {
            using var _ = list;
            using var temp = new TempDirectory();
            foreach (var extension in new[] { ".iwt.cbor", ".iwt.cbor.zst", ".iwt" })
            {
                var path = temp.Combine("x" + extension);
                TransformListFile.Write(list, path);
                using var back = TransformListFile.Read(path);
                ImageAssert.Equal(list, back);
            }
        }));
    }

    private static byte[] CborBytes(Image image)
    {
        using var stream = new MemoryStream();
        ImageFile.Write(image, stream, ItkWasmFileForm.Cbor);
        return stream.ToArray();
    }
}
