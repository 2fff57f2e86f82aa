using System.Collections.Concurrent;
using System.IO.Hashing;
using ItkWasm.Pipelines;
using Wasmtime;

namespace ItkWasm.Runtime.Wasmtime;

/// <summary>
/// Compiled modules, keyed by the SHA-256 of their bytes: in memory for the life of the runtime, and on disk as
/// Wasmtime's serialized artifacts (<c>SHA256-XXH3.cwasm</c>) so that another process loads instead of compiling.
/// Concurrent first uses of one module compile it once. An artifact is written to a temporary file and renamed into
/// place, so readers see a whole one or none, and two processes filling an empty cache both succeed. Its name carries
/// the XxHash3 of its bytes, checked before Wasmtime maps the file (Wasmtime trusts the machine code it is given), so
/// a corrupt or truncated artifact is recompiled and replaced. Artifacts are mapped from the file rather than copied,
/// so a cold process touches only the code pages it runs. Thread-safe.
/// </summary>
internal sealed class ModuleCache(WasmtimeEngine engine, string? directory) : IDisposable
{
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
        var sha = key.Replace("sha256:", string.Empty, StringComparison.Ordinal);
        if (folder is not null && Directory.Exists(folder))
        {
            var damaged = false;
            foreach (var artifact in Directory.GetFiles(folder, sha + "-*.cwasm"))
            {
                if (TryDeserialize(artifact, pipeline.Name) is { } module)
                {
                    Interlocked.Increment(ref loaded);
                    return CompiledModule.Check(pipeline, module);
                }

                damaged = true;
                TryDelete(artifact);
            }

            if (damaged)
            {
                Interlocked.Increment(ref replaced);
            }
        }

        var compiledModule = Compile(pipeline, ReadModule(pipeline));
        Interlocked.Increment(ref compiled);
        var checkedModule = CompiledModule.Check(pipeline, compiledModule);
        if (folder is not null)
        {
            TryWrite(folder, sha, compiledModule);
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
            var named = Path.GetFileNameWithoutExtension(artifact);
            var checksum = named[(named.LastIndexOf('-') + 1)..];
            // Streamed through a small buffer: a fresh 6 MB array costs more in page faults than the hash itself.
            var hash = new XxHash3();
            using (var stream = new FileStream(artifact, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan))
            {
                if (stream.Length == 0)
                {
                    return null;
                }

                hash.Append(stream);
            }

            if (!string.Equals(checksum, Format(hash.GetCurrentHashAsUInt64()), StringComparison.Ordinal))
            {
                return null;
            }

            return Module.DeserializeFile(engine.Engine, name, artifact);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or WasmtimeException)
        {
            return null;
        }
    }

    // A cache that cannot be written (read-only, full) only costs the next process a compile.
    private static void TryWrite(string folder, string sha, Module module)
    {
        string? temporary = null;
        try
        {
            var bytes = module.Serialize();
            Directory.CreateDirectory(folder);
            var artifact = Path.Combine(folder, $"{sha}-{Checksum(bytes)}.cwasm");
            temporary = $"{artifact}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
            File.WriteAllBytes(temporary, bytes);
            File.Move(temporary, artifact, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or WasmtimeException)
        {
            if (temporary is not null)
            {
                TryDelete(temporary);
            }
        }
    }

    private static string Checksum(byte[] bytes) => Format(XxHash3.HashToUInt64(bytes));

    private static string Format(ulong checksum) => checksum.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left behind in the cache folder; it is checked again and skipped next time.
        }
    }
}
