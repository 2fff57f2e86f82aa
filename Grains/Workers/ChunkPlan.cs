using ItkWasm;
using ItkWasm.Chunks;

namespace ItkWasmCluster.Grains.Workers;

/// <summary>
/// How one item runs by chunks, as the attempt that planned it found it: the input's and the result's grids, the chunk
/// size, and where the result's pixels lie in its <c>.iwi.cbor</c> (assembled at the item's output name under the
/// assembly id <c>ContentKey[..32]</c>). Chunk <c>n</c> is the <c>n</c>-th of <see cref="ChunkGrid.Split"/> over
/// <see cref="OutputSize"/>.
/// </summary>
/// <param name="ContentKey">The content key of the result being assembled.</param>
/// <param name="InputSize">The input's size, per axis.</param>
/// <param name="OutputSize">The result's size, per axis.</param>
/// <param name="ChunkSize">Result pixels per chunk, per axis.</param>
/// <param name="Count">The number of chunks.</param>
/// <param name="OutputType">The result's pixel type as ITK-Wasm writes it: <c>componentType pixelType components</c>.</param>
/// <param name="OutputDataOffset">Where the result's pixels start in its file, in bytes.</param>
/// <param name="Spill">The name, in the output store, of the input decompressed (an <c>.iwi.cbor.zst</c> input's
/// <c>.iwi.cbor</c>), which the chunks read in the input's place; null when they read the input.</param>
/// <param name="ZarrMetadata">For an OME-Zarr result: its metadata objects (a JSON object of key to text), which its
/// commit writes; null for an <c>.iwi.cbor</c> result.</param>
[GenerateSerializer]
[Immutable]
[Alias("itkwasm.ChunkPlan")]
public sealed record ChunkPlan(
    [property: Id(0)] string ContentKey,
    [property: Id(1)] long[] InputSize,
    [property: Id(2)] long[] OutputSize,
    [property: Id(3)] long[] ChunkSize,
    [property: Id(4)] int Count,
    [property: Id(5)] string OutputType,
    [property: Id(6)] long OutputDataOffset,
    [property: Id(7)] string? Spill = null,
    [property: Id(8)] string? ZarrMetadata = null)
{
    /// <summary>Gets the id the result is assembled under.</summary>
    public string AssemblyId => ContentKey[..32];

    /// <summary>Returns the text of <paramref name="type"/> in the form of <see cref="OutputType"/>.</summary>
    public static string TypeText(ImageType type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return $"{type.ComponentType.ToItkWasmString()} {type.PixelType.ToItkWasmString()} {type.Components}";
    }

    /// <summary>Returns the layout of the result's file.</summary>
    public ImageLayout OutputLayout()
    {
        var parts = OutputType.Split(' ');
        if (parts.Length != 3 || !ItkWasmEnums.TryParseComponentType(parts[0], out var component) || !ItkWasmEnums.TryParsePixelType(parts[1], out var pixel) || !int.TryParse(parts[2], System.Globalization.CultureInfo.InvariantCulture, out var components))
        {
            throw new FormatException($"'{OutputType}' is not a pixel type");
        }

        var type = new ImageType(OutputSize.Length, component, pixel, components);
        return new ImageLayout(new Image(type) { Size = OutputSize }, OutputDataOffset);
    }

    /// <summary>Returns the metadata objects of an OME-Zarr result, in the order to write them.</summary>
    public IReadOnlyList<(string Key, byte[] Bytes)> ZarrMetadataObjects() =>
        ZarrMetadata is null
            ? []
            : [.. System.Text.Json.Nodes.JsonNode.Parse(ZarrMetadata)!.AsObject().Select(p => (p.Key, System.Text.Encoding.UTF8.GetBytes(p.Value!.GetValue<string>())))];

    /// <summary>Returns chunk <paramref name="n"/>, in result pixels.</summary>
    public ImageRegion Chunk(int n) => ChunkGrid.Split(OutputSize, ChunkSize)[n];

    /// <summary>Returns the offset of every part of the result's assembly, in order: the file's prefix (at 0), then each
    /// run of every chunk's pixels.</summary>
    public IReadOnlyList<long> Parts()
    {
        var layout = OutputLayout();
        return [0L, .. ChunkGrid.Split(OutputSize, ChunkSize).SelectMany(c => layout.Runs(c)).Select(r => r.FileOffset).Order()];
    }
}
