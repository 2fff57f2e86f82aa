using System.Text.Json;

namespace ItkWasm.IO.Directory;

/// <summary>
/// The <c>.iwm/</c> directory form (ITKWASM-SPEC §3.1): <c>index.json</c> (MeshJSON) and
/// <c>data/points.raw</c>, <c>data/cells.raw</c>, <c>data/point-data.raw</c>, <c>data/cell-data.raw</c>, each present
/// only when non-empty. Like ITK-Wasm's <c>WasmMeshIO</c>, the index carries no metadata.
/// </summary>
internal static class MeshDirectory
{
    private static readonly (string Key, string File)[] Arrays =
    [
        ("points", "data/points.raw"), ("cells", "data/cells.raw"),
        ("pointData", "data/point-data.raw"), ("cellData", "data/cell-data.raw"),
    ];

    /// <summary>Reads the mesh stored in <paramref name="directory"/>.</summary>
    public static Mesh Read(string directory)
    {
        using var index = JsonItems.ParseIndex(directory);
        var indexPath = Path.Combine(directory, "index.json");
        var mesh = JsonItems.Interpret(indexPath, () => ReadIndex(index.RootElement));
        try
        {
            var t = mesh.MeshType;
            var lengths = JsonItems.Interpret(indexPath, () => new[]
            {
                checked(mesh.NumberOfPoints * t.Dimension * t.PointComponentType.SizeInBytes()),
                checked(mesh.CellBufferSize * t.CellComponentType.SizeInBytes()),
                checked(mesh.NumberOfPointPixels * t.PointPixelComponents * t.PointPixelComponentType.SizeInBytes()),
                checked(mesh.NumberOfCellPixels * t.CellPixelComponents * t.CellPixelComponentType.SizeInBytes()),
            });
            mesh.Points = RawFiles.Read(directory, Arrays[0].File, lengths[0]);
            mesh.Cells = RawFiles.Read(directory, Arrays[1].File, lengths[1]);
            mesh.PointData = RawFiles.Read(directory, Arrays[2].File, lengths[2]);
            mesh.CellData = RawFiles.Read(directory, Arrays[3].File, lengths[3]);
            return mesh;
        }
        catch
        {
            mesh.Dispose();
            throw;
        }
    }

    /// <summary>Writes <paramref name="mesh"/> as a directory at <paramref name="directory"/>, atomically.</summary>
    public static void Write(Mesh mesh, string directory)
    {
        mesh.Validate();
        AtomicWrite.Directory(directory, temp =>
        {
            JsonItems.WriteIndex(temp, w =>
            {
                w.WriteStartObject();
                InterfaceTypeJson.Write(w, "meshType", mesh.MeshType);
                w.WriteString("name", mesh.Name);
                w.WriteNumber("numberOfPoints", mesh.NumberOfPoints);
                w.WritePathUrl("points", Arrays[0].File);
                w.WriteNumber("numberOfPointPixels", mesh.NumberOfPointPixels);
                w.WritePathUrl("pointData", Arrays[2].File);
                w.WriteNumber("numberOfCells", mesh.NumberOfCells);
                w.WritePathUrl("cells", Arrays[1].File);
                w.WriteNumber("cellBufferSize", mesh.CellBufferSize);
                w.WriteNumber("numberOfCellPixels", mesh.NumberOfCellPixels);
                w.WritePathUrl("cellData", Arrays[3].File);
                w.WriteEndObject();
            });

            foreach (var (data, file) in new[] { mesh.Points, mesh.Cells, mesh.PointData, mesh.CellData }
                         .Zip(Arrays.Select(a => a.File)))
            {
                if (data.Length > 0)
                {
                    RawFiles.Write(temp, file, data);
                }
            }
        });
    }

    private static Mesh ReadIndex(JsonElement root)
    {
        var type = InterfaceTypeJson.ReadMeshType(root.Required("meshType"));
        long Count(string name) => root.Optional(name)?.GetCount(name) ?? 0;
        return new Mesh(type)
        {
            Name = root.Optional("name")?.GetText("name") ?? "Mesh",
            NumberOfPoints = Count("numberOfPoints"),
            NumberOfPointPixels = Count("numberOfPointPixels"),
            NumberOfCells = Count("numberOfCells"),
            NumberOfCellPixels = Count("numberOfCellPixels"),
            CellBufferSize = Count("cellBufferSize"),
        };
    }
}
