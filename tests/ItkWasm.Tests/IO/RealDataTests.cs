using ItkWasm.IO;

namespace ItkWasm.Tests.IO;

/// <summary>Every file in shared/data/itk-wasm, written by ITK-Wasm's own writers, reads to the documented structure.</summary>
public class RealDataTests
{
    [Theory]
    [InlineData("itk-wasm/cthead1-rgb.iwi.cbor")]
    [InlineData("itk-wasm/cthead1-rgb.iwi")]
    public void ReadImage_Cthead1Rgb_HasDocumentedTypeGeometryAndPixel(string file)
    {
        using var image = ImageFile.Read(SharedData.Path(file));

        Assert.Equal(new ImageType(2, ComponentType.UInt8, PixelType.RGB, 3), image.ImageType);
        Assert.Equal([256L, 256L], image.Size);
        Assert.Equal([0.0, 0.0], image.Origin);
        Assert.Equal([1.0, 1.0], image.Spacing);
        Assert.Equal([1.0, 0.0, 0.0, 1.0], image.Direction);
        Assert.Empty(image.Metadata);
        Assert.Equal(196608, image.Data.Length);
        var pixel = image.Data.AsSpan(((128 * 256) + 128) * 3, 3).ToArray();
        Assert.Equal(new byte[] { 134, 134, 134 }, pixel);
    }

    [Fact]
    public void ReadImage_Cthead1Rgb_EveryPixelIsGray()
    {
        using var image = ImageFile.Read(SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"));
        var data = image.Data.AsSpan();
        for (var i = 0; i < data.Length; i += 3)
        {
            Assert.True(data[i] == data[i + 1] && data[i] == data[i + 2], $"pixel {i / 3} is not gray");
        }
    }

    [Fact]
    public void ReadImage_DirectoryAndCborForms_HoldTheSamePixels()
    {
        using var cbor = ImageFile.Read(SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"));
        using var directory = ImageFile.Read(SharedData.Path("itk-wasm/cthead1-rgb.iwi"));

        Assert.True(cbor.Data.ContentEquals(directory.Data));
        Assert.Equal(cbor.Data.ComputeSha256(), directory.Data.ComputeSha256());
    }

    [Fact]
    public void ReadImage_WebWorkerPoolBaseline_IsScalarUInt8()
    {
        using var image = ImageFile.Read(SharedData.Path("itk-wasm/web-worker-pool-baseline.iwi"));

        Assert.Equal(new ImageType(2, ComponentType.UInt8, PixelType.Scalar, 1), image.ImageType);
        Assert.Equal([256L, 256L], image.Size);
        Assert.Equal(65536, image.Data.Length);
    }

    [Theory]
    [InlineData("itk-wasm/cow.iwm.cbor")]
    [InlineData("itk-wasm/cow.iwm")]
    public void ReadMesh_Cow_HasDocumentedCountsPointsAndCells(string file)
    {
        using var mesh = MeshFile.Read(SharedData.Path(file));

        Assert.Equal(3, mesh.MeshType.Dimension);
        Assert.Equal(ComponentType.Float32, mesh.MeshType.PointComponentType);
        Assert.Equal(ComponentType.UInt32, mesh.MeshType.CellComponentType);
        Assert.Equal(ComponentType.Int8, mesh.MeshType.PointPixelComponentType);
        Assert.Equal(0, mesh.MeshType.PointPixelComponents);
        Assert.Equal(2903, mesh.NumberOfPoints);
        Assert.Equal(3263, mesh.NumberOfCells);
        Assert.Equal(18856, mesh.CellBufferSize);
        Assert.Equal(0, mesh.NumberOfPointPixels);
        Assert.Equal(0, mesh.PointData.Length);
        var first = mesh.Points.AsSpan<float>(0, 3).ToArray();
        Assert.Equal(3.71636f, first[0], 5);
        Assert.Equal(2.34339f, first[1], 5);
        Assert.Equal(0f, first[2]);

        var cells = mesh.Cells.ToArray<uint>();
        var histogram = new Dictionary<(uint Type, uint Points), int>();
        for (var i = 0; i < cells.Length; i += 2 + (int)cells[i + 1])
        {
            var key = (cells[i], cells[i + 1]);
            histogram[key] = histogram.GetValueOrDefault(key) + 1;
        }

        Assert.Equal(
            new Dictionary<(uint, uint), int> { [(4, 4)] = 2519, [(4, 3)] = 734, [(4, 5)] = 8, [(4, 6)] = 2 },
            histogram);
    }

    [Theory]
    [InlineData("itk-wasm/CompositeTransform.iwt.cbor")]
    [InlineData("itk-wasm/CompositeTransform.iwt")]
    public void ReadTransformList_Composite_HasHeaderRigid2DAndAffine(string file)
    {
        using var list = TransformListFile.Read(SharedData.Path(file));

        Assert.Equal(3, list.Count);
        Assert.Equal(
            new TransformType(TransformParameterization.Composite, ComponentType.Float32, 2, 2), list[0].TransformType);
        Assert.Equal(4, list[0].NumberOfFixedParameters);
        Assert.Equal(9, list[0].NumberOfParameters);
        Assert.Equal(0, list[0].Parameters.Length);

        Assert.Equal(TransformParameterization.Rigid2D, list[1].TransformType.TransformParameterization);
        Assert.Equal([10.0, 15.0], list[1].FixedParameters);
        Assert.Equal([0.5235988f, 5f, 3f], list[1].Parameters.ToArray<float>());

        Assert.Equal(TransformParameterization.Affine, list[2].TransformType.TransformParameterization);
        Assert.Equal([20.0, 25.0], list[2].FixedParameters);
        Assert.Equal([1.2f, 0.3f, 0.2f, 1.1f, 2.5f, 1.8f], list[2].Parameters.ToArray<float>());
    }

    [Fact]
    public void ReadTransformList_LinearTransformDirectory_IsOne3DAffineInFloat64()
    {
        using var list = TransformListFile.Read(SharedData.Path("itk-wasm/LinearTransform.iwt"));

        var t = Assert.Single(list);
        Assert.Equal(new TransformType(TransformParameterization.Affine, ComponentType.Float64, 3, 3), t.TransformType);
        Assert.Equal(3, t.FixedParameters.Length);
        Assert.Equal(12, t.NumberOfParameters);
        Assert.Equal(96, t.Parameters.Length);
    }
}
