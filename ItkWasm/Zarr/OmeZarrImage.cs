using System.Text.Json;
using ItkWasm.Chunks;

namespace ItkWasm.Zarr;

/// <summary>
/// One resolution level of an OME-Zarr image (OME-NGFF 0.4 on Zarr v2: the root's <c>.zattrs</c>
/// <c>multiscales</c>; 0.5 on Zarr v3: the root <c>zarr.json</c>'s <c>attributes.ome.multiscales</c>), or a plain
/// Zarr array, read as an ITK-Wasm image. Axes map to ITK's as follows: the <c>space</c> axes (2 or 3; OME orders them
/// slowest first, <c>zyx</c>) are ITK's in reverse (<c>x</c> is ITK's axis 0); a <c>channel</c> axis of N &gt; 1 is
/// N components per pixel (a <c>VariableLengthVector</c>; of 1, a scalar); a <c>time</c> axis must hold one point.
/// Spacing and origin are the level's <c>scale</c> and <c>translation</c> (then the multiscale's own, if any), in the
/// axes' units (recorded in the metadata as <c>ome.units</c>, ITK's order); the direction is the identity, or the
/// one <see cref="OmeZarrWriter"/> keeps in the attributes as <c>itk.direction</c>. A plain
/// array's last 2 or 3 axes are space, with spacing 1. Thread-safe.
/// </summary>
public sealed class OmeZarrImage
{
    private readonly int[] spaceAxes;     // array axis of ITK axis d
    private readonly int channelAxis;     // array axis of the components, or -1
    private readonly int[] otherAxes;     // array axes of one point (time, or a channel of 1)

    private OmeZarrImage(ZarrArray array, Image header, int level, int levels, string version, int[] spaceAxes, int channelAxis, int[] otherAxes)
    {
        (Array, Header, Level, Levels, Version, this.spaceAxes, this.channelAxis, this.otherAxes) = (array, header, level, levels, version, spaceAxes, channelAxis, otherAxes);
    }

    /// <summary>Gets the level's array.</summary>
    public ZarrArray Array { get; }

    /// <summary>Gets the image's type, geometry and metadata (no pixels; not owned, nothing to dispose).</summary>
    public Image Header { get; }

    /// <summary>Gets the level read (0: the highest resolution).</summary>
    public int Level { get; }

    /// <summary>Gets how many levels the image has.</summary>
    public int Levels { get; }

    /// <summary>Gets the OME-NGFF version (<c>0.4</c>, <c>0.5</c>), or <c>zarr</c> for a plain array.</summary>
    public string Version { get; }

    /// <summary>Gets the shape of the chunks the level is read by, in ITK's axis order: a work split along it reads each
    /// chunk once.</summary>
    public IReadOnlyList<long> ChunkSize => [.. spaceAxes.Select(a => (long)Array.ChunkShape[a])];

    /// <summary>Opens level <paramref name="level"/> of the OME-Zarr image at the root of <paramref name="store"/>.</summary>
    /// <exception cref="ZarrFormatException">The metadata is missing, malformed or describes what an ITK-Wasm image
    /// cannot hold (a time series, more than 3 space axes), or the level does not exist; the message names the
    /// object.</exception>
    public static async Task<OmeZarrImage> OpenAsync(IZarrStore store, int level = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var (key, attributes, version, direction) = await ReadAttributesAsync(store, cancellationToken).ConfigureAwait(false);
        using (attributes)
        {
            if (attributes?.RootElement is not { } root || !root.TryGetProperty("multiscales", out var multiscales))
            {
                // A plain array at the root: space axes last.
                if (level != 0)
                {
                    throw new ZarrFormatException(store.Description, key, $"a plain Zarr array has one level, not level {level}");
                }

                var array = await ZarrArray.OpenAsync(store, string.Empty, cancellationToken).ConfigureAwait(false);
                var rank = array.Shape.Count;
                var axes = Enumerable.Range(0, rank).Select(a => new Axis(a < rank - 3 ? "t" : "xyz"[rank - 1 - a].ToString(), rank - a <= 3 ? "space" : "time", null)).ToArray();
                return Build(store, key, array, axes, [.. Enumerable.Repeat(1.0, rank)], new double[rank], 0, 1, "zarr");
            }

            try
            {
                var scales = multiscales[0];
                var axes = scales.GetProperty("axes").EnumerateArray().Select(a => a.ValueKind == JsonValueKind.String
                    ? new Axis(a.GetString()!, a.GetString() is "x" or "y" or "z" ? "space" : a.GetString() == "c" ? "channel" : "time", null)
                    : new Axis(a.GetProperty("name").GetString()!, a.TryGetProperty("type", out var t) ? t.GetString() : null, a.TryGetProperty("unit", out var u) ? u.GetString() : null)).ToArray();
                var datasets = scales.GetProperty("datasets").EnumerateArray().ToArray();
                if (level < 0 || level >= datasets.Length)
                {
                    throw new ZarrFormatException(store.Description, key, $"the image has levels 0 to {datasets.Length - 1}, not level {level}");
                }

                var scale = Enumerable.Repeat(1.0, axes.Length).ToArray();
                var translation = new double[axes.Length];
                Apply(datasets[level], scale, translation);
                Apply(scales, scale, translation);
                var path = datasets[level].GetProperty("path").GetString()!.Trim('/');
                var array = await ZarrArray.OpenAsync(store, path.Length == 0 ? string.Empty : path + "/", cancellationToken).ConfigureAwait(false);
                if (array.Shape.Count != axes.Length)
                {
                    throw new ZarrFormatException(store.Description, key, $"{axes.Length} axes, but the array {path} has {array.Shape.Count}");
                }

                var image = Build(store, key, array, axes, scale, translation, level, datasets.Length, version ?? (scales.TryGetProperty("version", out var v) ? v.GetString() : null) ?? "0.4");
                if (scales.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String)
                {
                    image.Header.Name = name.GetString()!;
                }

                if (direction is not null && direction.Length == image.Header.Direction.Length)
                {
                    image.Header.Direction = direction; // as OmeZarrWriter keeps it (OME has no direction)
                }

                return image;
            }
            catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException or FormatException)
            {
                throw new ZarrFormatException(store.Description, key, $"malformed multiscales: {e.Message}", e);
            }
        }
    }

    /// <summary>Reads <paramref name="region"/> (ITK's index space) of the level. Where it reaches outside the image,
    /// its pixels take the value of the nearest edge pixel (<see cref="RegionCopy.Extract"/>). The result has the
    /// image's type, spacing, direction and metadata, its origin at the region's first index; the caller disposes
    /// it.</summary>
    /// <exception cref="ZarrFormatException">A chunk is malformed; the message names it.</exception>
    public async Task<Image> ReadRegionAsync(ImageRegion region, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(region);
        var inside = RegionCopy.Clamp(Header.Size, region);
        var read = RegionCopy.Allocate(Header, inside);
        try
        {
            var rank = Array.Shape.Count;
            var start = new long[rank];
            var size = new long[rank];
            var strides = new long[rank];
            foreach (var a in otherAxes)
            {
                size[a] = 1;
            }

            var pixelBytes = (long)Header.ImageType.Components * Array.ItemBytes;
            var stride = pixelBytes;
            for (var d = 0; d < spaceAxes.Length; d++)
            {
                var a = spaceAxes[d];
                (start[a], size[a], strides[a]) = (inside.Index[d], inside.Size[d], stride);
                stride *= inside.Size[d];
            }

            if (channelAxis >= 0)
            {
                (size[channelAxis], strides[channelAxis]) = (Array.Shape[channelAxis], Array.ItemBytes);
            }

            await Array.ReadAsync(start, size, read.Data, strides, cancellationToken).ConfigureAwait(false);
            return RegionCopy.PadTo(read, inside, region);
        }
        catch
        {
            read.Dispose();
            throw;
        }
    }

    /// <summary>Reads the whole level; the caller disposes it.</summary>
    public Task<Image> ReadAsync(CancellationToken cancellationToken = default) => ReadRegionAsync(ImageRegion.Whole(Header.Size), cancellationToken);

    private static OmeZarrImage Build(IZarrStore store, string key, ZarrArray array, Axis[] axes, double[] scale, double[] translation, int level, int levels, string version)
    {
        var space = Enumerable.Range(0, axes.Length).Where(a => axes[a].Type == "space").Reverse().ToArray();
        var channels = Enumerable.Range(0, axes.Length).Where(a => axes[a].Type == "channel").ToArray();
        if (space.Length is < 2 or > 3)
        {
            throw new ZarrFormatException(store.Description, key, $"{space.Length} space axes; an ITK-Wasm image of it has 2 or 3");
        }

        foreach (var a in Enumerable.Range(0, axes.Length).Where(a => !space.Contains(a) && !channels.Contains(a)))
        {
            if (array.Shape[a] != 1)
            {
                throw new ZarrFormatException(store.Description, key, $"the {axes[a].Type ?? "unknown"} axis '{axes[a].Name}' holds {array.Shape[a]} points; read one image per point (an ITK-Wasm image has no {axes[a].Name} axis)");
            }
        }

        if (channels.Length > 1)
        {
            throw new ZarrFormatException(store.Description, key, $"{channels.Length} channel axes; an ITK-Wasm image has at most one");
        }

        var channel = channels.Length == 1 && array.Shape[channels[0]] > 1 ? channels[0] : -1;
        var others = Enumerable.Range(0, axes.Length).Where(a => !space.Contains(a) && a != channel).ToArray();
        var components = channel < 0 ? 1 : checked((int)array.Shape[channel]);
        var header = new Image(new ImageType(space.Length, array.ComponentType, components == 1 ? PixelType.Scalar : PixelType.VariableLengthVector, components))
        {
            Name = "image",
            Size = [.. space.Select(a => array.Shape[a])],
            Spacing = [.. space.Select(a => scale[a])],
            Origin = [.. space.Select(a => translation[a])],
        };
        if (space.Any(a => axes[a].Unit is not null))
        {
            header.Metadata["ome.units"] = MetadataValue.FromStringArray(space.Select(a => axes[a].Unit ?? string.Empty));
        }

        return new OmeZarrImage(array, header, level, levels, version, space, channel, others);
    }

    // Multiplies scales and adds translations (scale first: x' = x · s + t, and a later pair applies after).
    private static void Apply(JsonElement owner, double[] scale, double[] translation)
    {
        if (!owner.TryGetProperty("coordinateTransformations", out var transforms))
        {
            return;
        }

        foreach (var transform in transforms.EnumerateArray())
        {
            switch (transform.GetProperty("type").GetString())
            {
                case "scale":
                    var s = transform.GetProperty("scale").EnumerateArray().Select(e => e.GetDouble()).ToArray();
                    for (var a = 0; a < scale.Length; a++)
                    {
                        (scale[a], translation[a]) = (scale[a] * s[a], translation[a] * s[a]);
                    }

                    break;
                case "translation":
                    var t = transform.GetProperty("translation").EnumerateArray().Select(e => e.GetDouble()).ToArray();
                    for (var a = 0; a < translation.Length; a++)
                    {
                        translation[a] += t[a];
                    }

                    break;
                case "identity":
                    break;
                case var other:
                    throw new FormatException($"the coordinate transformation '{other}' is not read (scale and translation are)");
            }
        }
    }

    // The root's attributes: zarr.json's attributes.ome (0.5) or attributes (plain v3), else .zattrs (0.4); and the
    // direction OmeZarrWriter keeps in attributes.itk, if any.
    private static async Task<(string Key, JsonDocument? Attributes, string? Version, double[]? Direction)> ReadAttributesAsync(IZarrStore store, CancellationToken cancellationToken)
    {
        if (await store.GetAsync("zarr.json", cancellationToken).ConfigureAwait(false) is { } v3)
        {
            using var document = Parse(store, "zarr.json", v3);
            var root = document.RootElement;
            if (!root.TryGetProperty("attributes", out var attributes) || root.TryGetProperty("node_type", out var node) && node.GetString() == "array")
            {
                return ("zarr.json", null, null, null);
            }

            var ome = attributes.TryGetProperty("ome", out var o) ? o : attributes;
            var version = ome.TryGetProperty("version", out var v) ? v.GetString() : null;
            return ("zarr.json", JsonDocument.Parse(ome.GetRawText()), version, Direction(attributes));
        }

        if (await store.GetAsync(".zattrs", cancellationToken).ConfigureAwait(false) is { } v2)
        {
            var document = Parse(store, ".zattrs", v2);
            return (".zattrs", document, null, Direction(document.RootElement));
        }

        return await store.GetAsync(".zarray", cancellationToken).ConfigureAwait(false) is not null
            ? (".zarray", null, null, null)
            : throw new ZarrFormatException(store.Description, "zarr.json", "no OME-Zarr image here (neither zarr.json, .zattrs nor .zarray)");
    }

    private static double[]? Direction(JsonElement attributes) =>
        attributes.ValueKind == JsonValueKind.Object && attributes.TryGetProperty("itk", out var itk) && itk.ValueKind == JsonValueKind.Object
        && itk.TryGetProperty("direction", out var d) && d.ValueKind == JsonValueKind.Array && d.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number)
            ? [.. d.EnumerateArray().Select(e => e.GetDouble())]
            : null;

    private static JsonDocument Parse(IZarrStore store, string key, byte[] json)
    {
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new ZarrFormatException(store.Description, key, $"not valid JSON: {e.Message}", e);
        }
    }

    private sealed record Axis(string Name, string? Type, string? Unit);
}
