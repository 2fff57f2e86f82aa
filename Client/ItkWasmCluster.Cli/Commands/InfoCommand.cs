using System.CommandLine;
using System.Text.Json;
using ItkWasm;
using ItkWasm.IO;
using ItkWasm.Pipelines;
using ItkWasm.Zarr;

namespace ItkWasmCluster.Cli.Commands;

/// <summary><c>itkwasm-cluster info FILE</c>: prints a JSON summary of an ITK-Wasm file, or of an OME-Zarr image in a
/// folder (its version, and each level's grid, chunks and codecs).</summary>
internal static class InfoCommand
{
    /// <summary>Creates the command, writing its JSON to <paramref name="stdout"/>.</summary>
    public static Command Create(TextWriter stdout, RuntimeHolder runtime)
    {
        var file = new Argument<string>("file") { Description = "File, directory or blob (az://CONTAINER/NAME or a blob URL) to describe: ITK-Wasm's formats, any that @itk-wasm/image-io or @itk-wasm/mesh-io reads, or an OME-Zarr folder (*.zarr)." };
        var command = new Command("info", "Prints a JSON summary of an image, mesh or transform list.") { file };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(file)!;
            if (path.TrimEnd('/').EndsWith(".zarr", StringComparison.OrdinalIgnoreCase) && Directory.Exists(path))
            {
                stdout.WriteLine(await DescribeZarrAsync(path.TrimEnd('/'), cancellationToken).ConfigureAwait(false));
                return CliApp.Success;
            }

            var kind = DataFiles.KindOf(LocalCopies.Describe(path)) ?? throw new UnsupportedFormatException(LocalCopies.Describe(path));
            using var copies = new LocalCopies();
            var local = await copies.ReadableAsync(path, cancellationToken).ConfigureAwait(false);
            var form = ItkWasmPath.TryParse(local)?.Form.ToString() ?? (kind == ItkWasmDataKind.Image ? ImageIo.Package : MeshIo.Package);
            using var value = await new DataFiles(runtime).ReadAsync(local, kind, cancellationToken).ConfigureAwait(false);
            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            {
                w.WriteStartObject();
                w.WriteString("path", LocalCopies.Describe(path));
                w.WriteString("form", form);
                switch (value)
                {
                    case Image image:
                        WriteImage(w, image);
                        break;
                    case Mesh mesh:
                        WriteMesh(w, mesh);
                        break;
                    default:
                        WriteTransforms(w, (TransformList)value);
                        break;
                }

                w.WriteEndObject();
            }

            stdout.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
            return CliApp.Success;
        });
        return command;
    }

    // An OME-Zarr image in a folder: its version and, per level, its grid, chunking and codecs.
    private static async Task<string> DescribeZarrAsync(string path, CancellationToken cancellationToken)
    {
        var store = new ZarrFolderStore(path);
        var first = await OmeZarrImage.OpenAsync(store, 0, cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("path", Path.GetFullPath(path));
            w.WriteString("form", "OME-Zarr");
            w.WriteString("ngff", first.Version);
            InterfaceTypeJson.Write(w, "imageType", first.Header.ImageType);
            w.WriteStartArray("levels");
            for (var level = 0; level < first.Levels; level++)
            {
                var image = level == 0 ? first : await OmeZarrImage.OpenAsync(store, level, cancellationToken).ConfigureAwait(false);
                w.WriteStartObject();
                w.WriteNumber("level", level);
                WriteNumbers(w, "size", image.Header.Size.Select(s => (double)s));
                WriteNumbers(w, "spacing", image.Header.Spacing);
                WriteNumbers(w, "origin", image.Header.Origin);
                WriteNumbers(w, "chunks", image.ChunkSize.Select(c => (double)c));
                w.WriteString("codecs", image.Array.Codecs);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteImage(Utf8JsonWriter w, Image image)
    {
        var t = image.ImageType;
        var d = t.Dimension;
        w.WriteString("kind", "Image");
        InterfaceTypeJson.Write(w, "imageType", t);
        WriteNumbers(w, "size", image.Size.Select(s => (double)s));
        WriteNumbers(w, "spacing", image.Spacing);
        WriteNumbers(w, "origin", image.Origin);
        w.WriteStartArray("direction");
        for (var r = 0; r < d; r++)
        {
            w.WriteStartArray();
            for (var c = 0; c < d; c++)
            {
                w.WriteNumberValue(image.Direction[(r * d) + c]);
            }

            w.WriteEndArray();
        }

        w.WriteEndArray();
        w.WriteStartArray("metadata");
        foreach (var key in image.Metadata.Keys)
        {
            w.WriteStringValue(key);
        }

        w.WriteEndArray();
        w.WriteNumber("dataBytes", image.Data.Length);
        w.WriteString("sha256", image.Data.ComputeSha256());
    }

    private static void WriteMesh(Utf8JsonWriter w, Mesh mesh)
    {
        w.WriteString("kind", mesh.NumberOfCells == 0 ? "PointSet" : "Mesh");
        InterfaceTypeJson.Write(w, "meshType", mesh.MeshType);
        w.WriteNumber("numberOfPoints", mesh.NumberOfPoints);
        w.WriteNumber("numberOfPointPixels", mesh.NumberOfPointPixels);
        w.WriteNumber("numberOfCells", mesh.NumberOfCells);
        w.WriteNumber("numberOfCellPixels", mesh.NumberOfCellPixels);
        w.WriteNumber("cellBufferSize", mesh.CellBufferSize);
    }

    private static void WriteTransforms(Utf8JsonWriter w, TransformList list)
    {
        w.WriteString("kind", "TransformList");
        w.WriteStartArray("transforms");
        foreach (var t in list)
        {
            w.WriteStartObject();
            InterfaceTypeJson.WriteFields(w, t.TransformType);
            w.WriteNumber("numberOfFixedParameters", t.NumberOfFixedParameters);
            w.WriteNumber("numberOfParameters", t.NumberOfParameters);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void WriteNumbers(Utf8JsonWriter w, string name, IEnumerable<double> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteNumberValue(v);
        }

        w.WriteEndArray();
    }
}
