using ItkWasm.Pipelines;

namespace ItkWasm.Runtime.Wasmtime;

/// <summary>
/// Runs WASI builds of ITK-Wasm pipelines (<c>*.wasi.wasm</c>, as in the PyPI <c>itkwasm-*-wasi</c> wheels) in this
/// process on Wasmtime, the way ITK-Wasm's Python package does: one engine with its settings, modules compiled once
/// per content hash and kept in memory and on disk (<see cref="WasmtimeRuntimeOptions.CacheDirectory"/>), one shared
/// linker with WASI, and a fresh store and instance per run. Up to <see cref="WasmtimeRuntimeOptions.ComputeSlots"/>
/// runs go on at once, each on a dedicated thread. Deadlines and cancellation stop a running module within about
/// <see cref="WasmtimeRuntimeOptions.InterruptCheckInterval"/>; a memory cap, a trap, a stack overflow or a non-zero
/// exit fails only that run. Needs no Node.js. Thread-safe.
/// </summary>
public sealed class WasmtimeRuntime : IWasmRuntime, IDisposable
{
    private readonly WasmtimeEngine engine;
    private readonly ModuleCache modules;
    private readonly RunThreads threads;
    private readonly ModuleHashes hashes = new();
    private readonly CancellationTokenSource disposing = new();
    private int disposed;

    /// <summary>Creates the runtime: its engine and run threads. Modules compile on first use.</summary>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public WasmtimeRuntime(WasmtimeRuntimeOptions? options = null)
    {
        options ??= new WasmtimeRuntimeOptions();
        options.Validate();
        engine = new WasmtimeEngine(options);
        CacheDirectory = options.ResolveCacheDirectory();
        modules = new ModuleCache(engine, CacheDirectory);
        threads = new RunThreads(options.ComputeSlots);
    }

    /// <summary>Gets the folder of compiled modules on disk; null when they are kept in memory only.</summary>
    public string? CacheDirectory { get; }

    /// <summary>Gets what the module cache did so far: modules compiled, loaded from disk, artifacts replaced.</summary>
    public ModuleCacheStatistics CacheStatistics => modules.Statistics;

    /// <inheritdoc/>
    /// <exception cref="PipelineRunException">The run failed, or <paramref name="request"/> names an npm pipeline
    /// (<see cref="PipelineFailureKind.InvalidRequest"/>: those run on <c>Node.NodeWasmRuntime</c>).</exception>
    public async Task<PipelineResult> RunAsync(PipelineRunRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(disposed != 0, this);
        request.Options.Validate();
        var key = GetModuleKey(request.Pipeline);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, disposing.Token);
        var control = new RunControl(request.Options.Timeout, linked.Token);
        var completion = new TaskCompletionSource<PipelineResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        threads.Post(() => Run(request, key, control, completion));

        // A call cancelled while it waits for a slot returns at once. Once the run has started it reads the caller's
        // inputs, so the call waits for the module to stop at its next epoch check.
        using var registration = cancellationToken.Register(() =>
        {
            if (control.TryAbandon())
            {
                completion.TrySetCanceled(cancellationToken);
            }
        });
        try
        {
            return await completion.Task.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ObjectDisposedException(nameof(WasmtimeRuntime), "The runtime was disposed during the run.");
        }
    }

    /// <inheritdoc/>
    public string GetModuleKey(PipelineReference pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        if (pipeline.Kind != PipelineModuleKind.Wasi)
        {
            throw new PipelineRunException(pipeline, PipelineFailureKind.InvalidRequest,
                "is an npm (Emscripten) pipeline, which runs on Node.js, not Wasmtime", string.Empty, string.Empty);
        }

        var file = new FileInfo(pipeline.Location);
        if (!file.Exists)
        {
            throw new PipelineRunException(pipeline, PipelineFailureKind.InvalidRequest, $"no such module file: {pipeline.Location}", string.Empty, string.Empty);
        }

        try
        {
            return hashes.Of(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PipelineRunException(pipeline, PipelineFailureKind.InvalidRequest, $"cannot read the module: {e.Message}", string.Empty, string.Empty);
        }
    }

    /// <summary>Stops running modules (their calls fail with <see cref="ObjectDisposedException"/>), ends the run
    /// threads and releases the engine and compiled modules.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        disposing.Cancel();
        threads.Dispose();
        modules.Dispose();
        engine.Dispose();
        disposing.Dispose();
    }

    private void Run(PipelineRunRequest request, string key, RunControl control, TaskCompletionSource<PipelineResult> completion)
    {
        if (!control.TryStart())
        {
            return;
        }

        if (control.MustStop)
        {
            completion.TrySetException(control.StopError(request.Pipeline));
            return;
        }

        engine.RunStarted();
        try
        {
            var module = modules.Get(request.Pipeline, key, out var compileTime);
            using var store = new global::Wasmtime.Store(engine.Engine);
            var result = WasiRun.Execute(engine, store, module, request, control, compileTime);
            if (!completion.TrySetResult(result))
            {
                result.Dispose();
            }
        }
        catch (Exception e)
        {
            completion.TrySetException(e);
        }
        finally
        {
            engine.RunFinished();
        }
    }
}
