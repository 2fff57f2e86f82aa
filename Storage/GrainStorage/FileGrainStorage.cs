using System.Buffers.Binary;
using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace ItkWasmCluster.Storage.GrainStorage;

/// <summary>
/// Orleans grain storage in files, for the embedded mode, where one process is the whole cluster and its state must
/// survive a <c>kill -9</c>: one file per grain and state name under <see cref="FileGrainStorageOptions.RootDirectory"/>.
/// <list type="bullet">
/// <item>A write goes to a temporary file, is flushed, and is renamed over the old one, so a reader sees the old state
/// or the new one, never a torn mix.</item>
/// <item>The ETag is the state's version, stored in the file; a write or clear with a stale ETag fails with
/// <see cref="InconsistentStateException"/> and changes nothing.</item>
/// <item>Each file carries an XxHash3 of its bytes: a damaged file fails the read with an error naming it, rather
/// than handing the grain an empty state (which would silently lose the job's progress).</item>
/// </list>
/// File layout: <c>"IWGS"</c>, format 2 (u32), version (u64), payload length (u64), the payload as the configured
/// <see cref="IGrainStorageSerializer"/> wrote it, XxHash3 of everything before it (u64); integers little-endian.
/// Thread-safe; meant for one process at a time per folder (the embedded cluster holds a lock file).
/// </summary>
public sealed class FileGrainStorage : IGrainStorage
{
    private const int HeaderLength = 24;
    private const uint Format = 2; // 1 held JSON payloads; 2, Orleans' binary serializer's
    private static readonly byte[] Magic = "IWGS"u8.ToArray();
    private readonly FileGrainStorageOptions options;
    private readonly IActivatorProvider activators;
    private readonly SemaphoreSlim[] locks = Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    /// <summary>Creates the storage.</summary>
    /// <param name="options">Its settings; <see cref="FileGrainStorageOptions.GrainStorageSerializer"/> must be set.</param>
    /// <param name="activators">Creates a grain's empty state when it has none stored.</param>
    public FileGrainStorage(FileGrainStorageOptions options, IActivatorProvider activators)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(activators);
        ArgumentNullException.ThrowIfNull(options.GrainStorageSerializer, nameof(options.GrainStorageSerializer));
        this.options = options;
        this.activators = activators;
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidDataException">The state file is damaged; the message names it.</exception>
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var path = PathOf(stateName, grainId);
        var stored = await ReadAsync(path).ConfigureAwait(false);
        if (stored is null)
        {
            grainState.State = activators.GetActivator<T>().Create();
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }

        grainState.State = options.GrainStorageSerializer.Deserialize<T>(new BinaryData(stored.Value.Payload))
            ?? activators.GetActivator<T>().Create();
        grainState.ETag = Etag(stored.Value.Version);
        grainState.RecordExists = true;
    }

    /// <inheritdoc/>
    /// <exception cref="InconsistentStateException">The stored version is not the one the grain read.</exception>
    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var path = PathOf(stateName, grainId);
        var payload = options.GrainStorageSerializer.Serialize(grainState.State).ToMemory();
        var gate = Lock(path);
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var version = CheckVersion(path, grainState.ETag, "write");
            await WriteAsync(path, version + 1, payload).ConfigureAwait(false);
            grainState.ETag = Etag(version + 1);
            grainState.RecordExists = true;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <inheritdoc/>
    /// <exception cref="InconsistentStateException">The stored version is not the one the grain read.</exception>
    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var path = PathOf(stateName, grainId);
        var gate = Lock(path);
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            CheckVersion(path, grainState.ETag, "clear");
            File.Delete(path);
            grainState.State = activators.GetActivator<T>().Create();
            grainState.ETag = null;
            grainState.RecordExists = false;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Returns the file that holds (or will hold) <paramref name="grainId"/>'s state <paramref name="stateName"/>: the
    /// escaped id, or its SHA-256 when the escaped id would make too long a file name.</summary>
    public string PathOf(string stateName, GrainId grainId)
    {
        static string Escape(string text)
        {
            var escaped = Uri.EscapeDataString(text);
            return escaped.Length <= 150 && escaped != "." && escaped != ".."
                ? escaped
                : "sha256-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
        }

        return Path.Combine(options.RootDirectory, Escape(stateName), Escape(grainId.ToString()) + ".state");
    }

    private static string Etag(ulong version) => version.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private SemaphoreSlim Lock(string path) => locks[(uint)StringComparer.Ordinal.GetHashCode(path) % (uint)locks.Length];

    // Returns the stored version (0 when there is none) after checking that it is the one the grain read.
    private static ulong CheckVersion(string path, string? etag, string operation)
    {
        var stored = ReadVersion(path);
        var storedEtag = stored == 0 ? null : Etag(stored);
        if (!string.Equals(storedEtag, etag, StringComparison.Ordinal))
        {
            throw new InconsistentStateException(
                $"Cannot {operation} the state in {path}: it is at version {storedEtag ?? "(none)"}, the grain read {etag ?? "(none)"}.",
                storedEtag, etag);
        }

        return stored;
    }

    private static ulong ReadVersion(string path)
    {
        Span<byte> header = stackalloc byte[HeaderLength];
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
            file.ReadExactly(header);
        }
        catch (FileNotFoundException)
        {
            return 0;
        }
        catch (DirectoryNotFoundException)
        {
            return 0;
        }
        catch (EndOfStreamException)
        {
            throw Damaged(path, "it is shorter than its header");
        }

        return header[..Magic.Length].SequenceEqual(Magic)
            ? BinaryPrimitives.ReadUInt64LittleEndian(header[8..])
            : throw Damaged(path, "it does not start with IWGS");
    }

    private static async Task<(ulong Version, byte[] Payload)?> ReadAsync(string path)
    {
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        if (bytes.Length < HeaderLength + sizeof(ulong) || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw Damaged(path, "it is too short or does not start with IWGS");
        }

        var format = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4));
        var length = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(16));
        if (format != Format)
        {
            throw Damaged(path, $"it has format {format}; this version reads format {Format}");
        }

        if (length != (ulong)(bytes.Length - HeaderLength - sizeof(ulong))
            || XxHash3.HashToUInt64(bytes.AsSpan(0, bytes.Length - sizeof(ulong))) != BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(bytes.Length - sizeof(ulong))))
        {
            throw Damaged(path, "its length or checksum does not match its contents");
        }

        return (BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(8)), bytes[HeaderLength..^sizeof(ulong)]);
    }

    private async Task WriteAsync(string path, ulong version, ReadOnlyMemory<byte> payload)
    {
        var bytes = new byte[HeaderLength + payload.Length + sizeof(ulong)];
        Magic.CopyTo(bytes, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), Format);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), version);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(16), (ulong)payload.Length);
        payload.Span.CopyTo(bytes.AsSpan(HeaderLength));
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(bytes.Length - sizeof(ulong)), XxHash3.HashToUInt64(bytes.AsSpan(0, bytes.Length - sizeof(ulong))));

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
            {
                await file.WriteAsync(bytes).ConfigureAwait(false);
                file.Flush(options.FlushToDisk);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    private static InvalidDataException Damaged(string path, string why) =>
        new($"The grain state file {path} is damaged: {why}. Move it away to start that grain from an empty state.");
}
