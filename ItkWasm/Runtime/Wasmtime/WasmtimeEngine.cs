using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Wasmtime;

namespace ItkWasm.Runtime.Wasmtime;

/// <summary>
/// The process's Wasmtime engine, with the settings of ITK-Wasm's Python runtime (<c>pipeline.py</c>: bulk memory,
/// SIMD, relaxed SIMD made deterministic, memory64, Cranelift at <c>speed</c>, parallel compilation), epoch
/// interruption for deadlines, and <see cref="CappedMemory"/> for memory caps; the one linker with WASI preview 1; and
/// the epoch ticker, a thread that advances the epoch while runs are active.
/// </summary>
internal sealed class WasmtimeEngine : IDisposable
{
    private readonly TimeSpan tickInterval;
    private readonly Thread ticker;
    private readonly ManualResetEventSlim runsActive = new(false);
    private int activeRuns;
    private volatile bool disposed;

    public WasmtimeEngine(WasmtimeRuntimeOptions options)
    {
        tickInterval = options.InterruptCheckInterval;
        Interruption = options.Interruption;
        using var config = new Config()
            .WithBulkMemory(true)
            .WithSIMD(true)
            .WithRelaxedSIMD(true, true)
            .WithMemory64(true)
            .WithOptimizationLevel(OptimizationLevel.Speed)
            .WithParallelCompilation(true)
            .WithEpochInterruption(Interruption == WasmtimeInterruption.Epoch)
            .WithFuelConsumption(Interruption == WasmtimeInterruption.Fuel);
        CapsMemory = CappedMemory.TryInstall(config, options.ComputeSlots);
        Engine = new Engine(config);
        Linker = new Linker(Engine);
        Linker.DefineWasi();
        var version = typeof(Engine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        var settings = $"wasmtime {version}; bulk-memory simd relaxed-simd-deterministic memory64 opt=speed; interruption={Interruption}; host-memory={CapsMemory}";
        Version = version.Split('+')[0];
        SettingsKey = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(settings)))[..16];
        ticker = new Thread(Tick) { IsBackground = true, Name = "itkwasm-wasmtime-epoch" };
        ticker.Start();
    }

    /// <summary>Gets the engine.</summary>
    public Engine Engine { get; }

    /// <summary>Gets the linker, with WASI defined; shared by every run.</summary>
    public Linker Linker { get; }

    /// <summary>Gets whether memories are created by <see cref="CappedMemory"/>; otherwise runs use store limits.</summary>
    public bool CapsMemory { get; }

    /// <summary>Gets how running modules are made interruptible.</summary>
    public WasmtimeInterruption Interruption { get; }

    /// <summary>Gets the Wasmtime version, e.g. <c>50.0.1</c>.</summary>
    public string Version { get; }

    /// <summary>Gets a short hash of the version and every setting that decides whether a serialized module fits this
    /// engine.</summary>
    public string SettingsKey { get; }

    /// <summary>Marks a run as started: the epoch advances while any run is active.</summary>
    public void RunStarted()
    {
        if (Interlocked.Increment(ref activeRuns) == 1)
        {
            runsActive.Set();
        }
    }

    /// <summary>Marks a run as finished.</summary>
    public void RunFinished()
    {
        if (Interlocked.Decrement(ref activeRuns) == 0)
        {
            runsActive.Reset();
        }
    }

    /// <summary>Stops the ticker and releases the engine.</summary>
    public void Dispose()
    {
        disposed = true;
        runsActive.Set();
        ticker.Join();
        Linker.Dispose();
        Engine.Dispose();
        if (CapsMemory)
        {
            CappedMemory.Uninstall();
        }

        runsActive.Dispose();
    }

    private void Tick()
    {
        // The counter, not the event, says whether runs are active: a reset racing a set can leave the event unset
        // while a run is active, and then the timed wait still lets the ticks go on.
        while (!disposed)
        {
            if (Volatile.Read(ref activeRuns) == 0)
            {
                runsActive.Wait(TimeSpan.FromSeconds(1));
            }

            Thread.Sleep(tickInterval);
            if (!disposed)
            {
                Engine.IncrementEpoch();
            }
        }
    }
}
