using FsCheck;
using FsCheck.Fluent;

namespace ItkWasm.Tests;

/// <summary>FsCheck generators of interface types with every component type, shape and metadata value kind.</summary>
public static class Generators
{
    /// <summary>Any finite double, from random bits (so every exponent and sign, -0.0 included).</summary>
    public static Gen<double> FiniteDouble { get; } =
        Gen.Zip(Gen.Choose(int.MinValue, int.MaxValue), Gen.Choose(int.MinValue, int.MaxValue))
            .Select(p => BitConverter.Int64BitsToDouble(((long)p.Item1 << 32) | (uint)p.Item2))
            .Where(double.IsFinite);

    public static Gen<ComponentType> AnyComponentType { get; } = Gen.Elements(Enum.GetValues<ComponentType>());

    public static Gen<string> Text { get; } =
        Gen.Elements("a", "b", "Z", "é", "ß", "日", "0", " ", "_", "\"", "\\", "\n").ArrayOf()
            .Select(parts => string.Concat(parts));

    public static Gen<MetadataValue> AnyMetadataValue { get; } = Gen.OneOf(
        Gen.Elements(true, false).Select(MetadataValue.FromBoolean),
        FiniteDouble.Select(MetadataValue.FromNumber),
        Text.Select(MetadataValue.FromString),
        FiniteDouble.ArrayOf().Select(v => MetadataValue.FromNumberArray(v)),
        Text.ArrayOf().Where(a => a.Length > 0).Select(v => MetadataValue.FromStringArray(v)),
        FiniteDouble.ArrayOf().ArrayOf().Where(m => m.Length > 0)
            .Select(m => MetadataValue.FromNumberMatrix(m.Select(r => r.AsEnumerable()))));

    public static Gen<Image> AnyImage { get; } =
        from dimension in Gen.Choose(1, 4)
        from components in Gen.Choose(1, 4)
        from componentType in AnyComponentType
        from pixelType in components == 1
            ? Gen.Constant(PixelType.Scalar)
            : Gen.Elements(PixelType.VariableLengthVector, PixelType.Vector, components == 3 ? PixelType.RGB : PixelType.Array)
        from size in Gen.Choose(1, dimension > 2 ? 4 : 9).Select(s => (long)s).ArrayOf(dimension)
        from origin in FiniteDouble.ArrayOf(dimension)
        from spacing in FiniteDouble.ArrayOf(dimension)
        from direction in FiniteDouble.ArrayOf(dimension * dimension)
        from metadata in Gen.Zip(Text, AnyMetadataValue).ArrayOf()
        from seed in Gen.Choose(0, int.MaxValue)
        select MakeImage(new ImageType(dimension, componentType, pixelType, components), size, origin, spacing, direction, metadata, seed);

    public static Gen<Mesh> AnyMesh { get; } =
        from dimension in Gen.Choose(2, 3)
        from pointType in Gen.Elements(ComponentType.Float32, ComponentType.Float64)
        from cellType in Gen.Elements(ComponentType.UInt32, ComponentType.Int32, ComponentType.UInt64)
        from pointPixelType in AnyComponentType
        from cellPixelType in AnyComponentType
        from pointComponents in Gen.Choose(0, 3)
        from cellComponents in Gen.Choose(0, 3)
        from points in Gen.Choose(0, 50)
        from cells in Gen.Choose(0, 20)
        from seed in Gen.Choose(0, int.MaxValue)
        select MakeMesh(
            new MeshType(dimension, pointType, pointPixelType, PixelType.Scalar, pointComponents, cellType, cellPixelType, PixelType.Scalar, cellComponents),
            points, cells, seed);

    public static Gen<TransformList> AnyTransformList { get; } =
        from composite in Gen.Elements(true, false)
        from members in Gen.Zip(
                Gen.Zip(
                    Gen.Elements(Enum.GetValues<TransformParameterization>().Where(p => p != TransformParameterization.Composite).ToArray()),
                    Gen.Elements(ComponentType.Float32, ComponentType.Float64)),
                Gen.Zip(Gen.Choose(0, 12), Gen.Choose(0, 30)),
                (type, counts) => (type.Item1, type.Item2, counts))
            .ArrayOf().Where(a => a.Length is > 0 and < 6)
        from names in Text.ArrayOf(3)
        from seed in Gen.Choose(0, int.MaxValue)
        select MakeTransformList(composite, members, names, seed);

    private static Image MakeImage(
        ImageType type, long[] size, double[] origin, double[] spacing, double[] direction, (string, MetadataValue)[] metadata, int seed)
    {
        var image = new Image(type) { Size = size, Origin = origin, Spacing = spacing, Direction = direction };
        foreach (var (key, value) in metadata)
        {
            image.Metadata[key] = value;
        }

        image.Data.Dispose();
        image.Data = RandomBuffer(image.ByteLength, seed);
        return image;
    }

    private static Mesh MakeMesh(MeshType type, int points, int cells, int seed)
    {
        var random = new Random(seed);
        var cellBuffer = new List<long>();
        for (var c = 0; c < cells && points > 0; c++)
        {
            var n = random.Next(1, 5);
            cellBuffer.Add(n == 1 ? 0 : 4);
            cellBuffer.Add(n);
            for (var i = 0; i < n; i++)
            {
                cellBuffer.Add(random.Next(points));
            }
        }

        var mesh = new Mesh(type)
        {
            NumberOfPoints = points,
            Points = RandomBuffer(points * type.Dimension * type.PointComponentType.SizeInBytes(), seed + 1),
            NumberOfCells = points > 0 ? cells : 0,
            CellBufferSize = cellBuffer.Count,
            NumberOfPointPixels = type.PointPixelComponents > 0 ? points : 0,
            NumberOfCellPixels = type.CellPixelComponents > 0 && points > 0 ? cells : 0,
        };
        mesh.Cells = type.CellComponentType == ComponentType.UInt64
            ? DataBuffer.Copy<ulong>(cellBuffer.Select(v => (ulong)v).ToArray())
            : DataBuffer.Copy<uint>(cellBuffer.Select(v => (uint)v).ToArray());
        mesh.PointData = RandomBuffer(
            mesh.NumberOfPointPixels * type.PointPixelComponents * type.PointPixelComponentType.SizeInBytes(), seed + 2);
        mesh.CellData = RandomBuffer(
            mesh.NumberOfCellPixels * type.CellPixelComponents * type.CellPixelComponentType.SizeInBytes(), seed + 3);
        return mesh;
    }

    private static TransformList MakeTransformList(
        bool composite, (TransformParameterization, ComponentType, (int Fixed, int Parameters))[] members, string[] names, int seed)
    {
        var list = new TransformList();
        var random = new Random(seed);
        if (composite)
        {
            list.Add(new Transform(new TransformType(TransformParameterization.Composite, members[0].Item2, 3, 3))
            {
                NumberOfFixedParameters = members.Sum(m => m.Item3.Fixed),
                NumberOfParameters = members.Sum(m => m.Item3.Parameters),
            });
        }

        foreach (var (parameterization, valueType, (fixedCount, parameterCount)) in members)
        {
            list.Add(new Transform(new TransformType(parameterization, valueType, random.Next(2, 4), random.Next(2, 4)))
            {
                NumberOfFixedParameters = fixedCount,
                NumberOfParameters = parameterCount,
                Name = names[0],
                InputSpaceName = names[1],
                OutputSpaceName = names[2],
                FixedParameters = Enumerable.Range(0, fixedCount).Select(_ => random.NextDouble() * 100).ToArray(),
                Parameters = RandomBuffer(parameterCount * valueType.SizeInBytes(), seed + list.Count),
            });
        }

        return list;
    }

    private static DataBuffer RandomBuffer(long length, int seed)
    {
        var buffer = DataBuffer.Allocate(length);
        new Random(seed).NextBytes(buffer.AsSpan());
        return buffer;
    }
}
