namespace ItkWasm.Runtime.Wasmtime;

/// <summary>Settings of a <see cref="WasmtimeRuntime"/>.</summary>
public sealed record WasmtimeRuntimeOptions
{
    /// <summary>The environment variable that names the module cache folder, as in ITK-Wasm's Python package.</summary>
    public const string CacheDirectoryVariable = "ITKWASM_CACHE_DIR";

    /// <summary>Gets how many runs go on at once: the number of dedicated threads that run modules. Default: the
    /// processor count; at least 1.</summary>
    public int ComputeSlots { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Gets the folder where compiled modules are kept between processes, so that a restarted process loads them
    /// instead of compiling (a 1–2 MB ITK-Wasm module takes seconds to compile). Null (the default) means
    /// <c>$ITKWASM_CACHE_DIR</c>, else the user's cache folder (<c>$XDG_CACHE_HOME/itkwasm</c> or
    /// <c>~/.cache/itkwasm</c>, <c>~/Library/Caches/itkwasm</c> on macOS, <c>%LOCALAPPDATA%\itkwasm</c> on Windows); the
    /// empty string keeps compiled modules in memory only. The runtime writes under a subfolder named for the Wasmtime
    /// version and its engine settings, so it never reads another version's artifacts.
    /// </summary>
    public string? CacheDirectory { get; init; }

    /// <summary>Gets how often running modules check their deadline and cancellation (Wasmtime's epoch tick). A run
    /// is stopped at most about this long after its deadline passes or it is cancelled. Default 10 ms; 1 ms to 1 s.</summary>
    public TimeSpan InterruptCheckInterval { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Gets how running modules are made interruptible. Only benchmarks change it: with anything but
    /// <see cref="WasmtimeInterruption.Epoch"/>, deadlines and cancellation cannot stop a module that is running.</summary>
    internal WasmtimeInterruption Interruption { get; init; } = WasmtimeInterruption.Epoch;

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentException">Names the setting that is wrong.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ComputeSlots, 1, nameof(ComputeSlots));
        if (InterruptCheckInterval < TimeSpan.FromMilliseconds(1) || InterruptCheckInterval > TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(InterruptCheckInterval), InterruptCheckInterval, "InterruptCheckInterval must be between 1 ms and 1 s.");
        }
    }

    /// <summary>Returns the cache folder these options name: the setting, the environment variable or the user's cache
    /// folder; null when caching on disk is off.</summary>
    internal string? ResolveCacheDirectory()
    {
        var configured = CacheDirectory ?? Environment.GetEnvironmentVariable(CacheDirectoryVariable);
        if (configured is not null)
        {
            return configured.Length == 0 ? null : Path.GetFullPath(configured);
        }

        if (OperatingSystem.IsWindows())
        {
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "itkwasm");
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (OperatingSystem.IsMacOS())
        {
            return Path.Combine(home, "Library", "Caches", "itkwasm");
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        return Path.Combine(string.IsNullOrEmpty(xdg) ? Path.Combine(home, ".cache") : xdg, "itkwasm");
    }
}

/// <summary>How running modules are made interruptible (see the benchmark of each in BENCHMARKS.md).</summary>
internal enum WasmtimeInterruption
{
    /// <summary>Epoch checks in loops and calls: deadlines and cancellation work.</summary>
    Epoch,

    /// <summary>Fuel metering, with unlimited fuel: measured only.</summary>
    Fuel,

    /// <summary>No checks: a running module cannot be stopped. Measured only.</summary>
    None,
}
