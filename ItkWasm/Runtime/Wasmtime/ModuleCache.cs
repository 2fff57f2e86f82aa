using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.IO.Hashing;
using ItkWasm.Pipelines;
using Wasmtime;

namespace ItkWasm.Runtime.Wasmtime;

/// <summary>
/// Compiled modules, keyed by the SHA-256 of their bytes: in memory for the life of the runtime, and on disk as
/// Wasmtime's serialized artifacts so that another process loads instead of compiling. Concurrent first uses of one
/// module compile it once. An artifact is written to a temporary file and renamed into place, so readers see a whole
/// one or none, and two processes filling an empty cache both succeed; it carries an XxHash3 of its bytes, so a
/// corrupt or truncated artifact is recompiled and replaced instead of being handed to Wasmtime (whose deserializer
/// trusts the machine code it is given). Thread-safe.
/// </summary>
internal sealed class ModuleCache(WasmtimeEngine engine, string? directory) : IDisposable
{
    private const int HeaderLength = 16;
    private static readonly byte[] Magic = "ITKWASM1"u8.ToArray();
    private readonly ConcurrentDictionary<string, Lazy<CompiledModule>> modules = new();
    private readonly string? folder = directory is null ? null : Path.Combine(directory, $"wasmtime-{engine.Version}-{engine.SettingsKey}");
    private long compiled;
    private long loaded;
    private long replaced;

    /// <summary>Gets the counts so far.</summary>
    public ModuleCacheStatistics Statistics => new(Interlocked.Read(ref compiled), Interlocked.Read(ref loaded), Interlocked.Read(ref replaced));

    /// <summary>Returns the compiled module of <paramref name="pipeline"/>, whose content key is <paramref name="key"/>.</summary>
    /// <param name="pipeline">The module file.</param>
    /// <param name="key">Its content key (<c>sha256:…</c>).</param>
    /// <param name="compileTime">Receives the time spent compiling or loading it; zero when it was in memory.</param>
    /// <exception cref="PipelineRunException">The file is not a usable ITK-Wasm WASI module (<see cref="PipelineFailureKind.InvalidModule"/>,
    /// <see cref="PipelineFailureKind.UnsupportedModule"/>).</exception>
    public CompiledModule Get(PipelineReference pipeline, string key, out TimeSpan compileTime)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var lazy = modules.GetOrAdd(key, k => new Lazy<CompiledModule>(() => Load(pipeline, k)));
        var created = !lazy.IsValueCreated;
        var module = lazy.Value;
        compileTime = created ? System.Diagnostics.Stopwatch.GetElapsedTime(started) : TimeSpan.Zero;
        return module;
    }

    /// <summary>Releases the compiled modules.</summary>
    public void Dispose()
    {
        foreach (var lazy in modules.Values.Where(l => l.IsValueCreated))
        {
            try
            {
                lazy.Value.Dispose();
            }
            catch (PipelineRunException)
            {
                // The module never compiled: nothing to release.
            }
        }
    }

    private CompiledModule Load(PipelineReference pipeline, string key)
    {
        var artifact = folder is null ? null : Path.Combine(folder, key.Replace("sha256:", string.Empty, StringComparison.Ordinal) + ".cwasm");
        if (artifact is not null && File.Exists(artifact))
        {
            if (TryDeserialize(artifact, pipeline.Name) is { } module)
            {
                Interlocked.Increment(ref loaded);
                return CompiledModule.Check(pipeline, module);
            }

            Interlocked.Increment(ref replaced);
        }

        var bytes = ReadModule(pipeline);
        var compiledModule = Compile(pipeline, bytes);
        Interlocked.Increment(ref compiled);
        var checkedModule = CompiledModule.Check(pipeline, compiledModule);
        if (artifact is not null)
        {
            TryWrite(artifact, compiledModule);
        }

        return checkedModule;
    }

    private static byte[] ReadModule(PipelineReference pipeline)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(pipeline.Location);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PipelineRunException(pipeline, PipelineFailureKind.InvalidRequest, $"cannot read the module: {e.Message}", string.Empty, string.Empty);
        }

        if (bytes.Length < 8 || !bytes.AsSpan(0, 4).SequenceEqual("\0asm"u8))
        {
            throw new PipelineRunException(pipeline, PipelineFailureKind.InvalidModule,
                "not a WebAssembly module (the file does not start with \\0asm)", string.Empty, string.Empty);
        }

        return bytes;
    }

    private Module Compile(PipelineReference pipeline, byte[] bytes)
    {
        try
        {
            return Module.FromBytes(engine.Engine, pipeline.Name, bytes);
        }
        catch (WasmtimeException e)
        {
            throw CompiledModule.Unusable(pipeline, e);
        }
    }

    private Module? TryDeserialize(string artifact, string name)
    {
        try
        {
            var bytes = File.ReadAllBytes(artifact);
            if (bytes.Length <= HeaderLength || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic)
                || BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(Magic.Length)) != XxHash3.HashToUInt64(bytes.AsSpan(HeaderLength)))
            {
                return null;
            }

            return Module.Deserialize(engine.Engine, name, bytes.AsSpan(HeaderLength));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or WasmtimeException)
        {
            return null;
        }
    }

    // A cache that cannot be written (read-only, full) only costs the next process a compile.
    private static void TryWrite(string artifact, Module module)
    {
        var temporary = $"{artifact}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            var payload = module.Serialize();
            var header = new byte[HeaderLength];
            Magic.CopyTo(header, 0);
            BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(Magic.Length), XxHash3.HashToUInt64(payload));
            Directory.CreateDirectory(Path.GetDirectoryName(artifact)!);
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(header);
                stream.Write(payload);
            }

            File.Move(temporary, artifact, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or WasmtimeException)
        {
            try
            {
                File.Delete(temporary);
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
                // Left behind in the cache folder; harmless.
            }
        }
    }
}
