using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using ItkWasm.Pipelines;

namespace ItkWasm.Runtime.Node;

/// <summary>
/// Runs the npm packages' ITK-Wasm pipelines (Emscripten builds, which only a JS engine can run) on V8 in long-lived
/// Node.js executor processes owned by this object, through the packages' own JS glue. WASI builds are refused: they
/// run on <see cref="Wasmtime.WasmtimeRuntime"/>. Each executor compiles a module once and caches it; each run gets a fresh instance. Up to <see cref="NodeWasmRuntimeOptions.MaxConcurrency"/> runs
/// go on at once, one per executor. Executors start lazily, are replaced when they die or are killed (deadline,
/// cancellation), are stopped when this object is disposed or the process exits, and exit by themselves if the host
/// is killed. Thread-safe.
/// </summary>
public sealed class NodeWasmRuntime : IWasmRuntime, IDisposable
{
    private readonly NodeWasmRuntimeOptions options;
    private readonly SemaphoreSlim slots;
    private readonly ConcurrentBag<NodeExecutor> idle = [];
    private readonly ModuleResolver modules;
    private readonly string script;
    private readonly string nodeModules;
    private volatile bool disposed;

    /// <summary>Creates a runtime; no process starts until the first run.</summary>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public NodeWasmRuntime(NodeWasmRuntimeOptions? options = null)
    {
        this.options = options ?? new NodeWasmRuntimeOptions();
        this.options.Validate();
        slots = new SemaphoreSlim(this.options.MaxConcurrency);
        script = this.options.ExecutorScript ?? Path.Combine(AppContext.BaseDirectory, "itkwasm-executor.mjs");
        if (!File.Exists(script))
        {
            throw new ArgumentException($"The executor script {script} is missing; it ships beside ItkWasm.dll.", nameof(options));
        }

        var found = this.options.NodeModulesDirectory ?? NodeModulesLocator.Find();
        nodeModules = found ?? string.Empty;
        modules = new ModuleResolver(found);
    }

    /// <inheritdoc/>
    public async Task<PipelineResult> RunAsync(PipelineRunRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(disposed, this);
        request.Options.Validate();
        var module = modules.Resolve(request.Pipeline);
        var (header, blobs) = ExecutorWire.BuildRequest(request, module);
        var started = Stopwatch.GetTimestamp();
        await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        NodeExecutor? executor = null;
        try
        {
            executor = TakeIdle() ?? NodeExecutor.Start(options.NodeExecutable, script, nodeModules);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (request.Options.Timeout != Timeout.InfiniteTimeSpan)
            {
                deadline.CancelAfter(request.Options.Timeout);
            }

            var running = executor;
            using var stop = deadline.Token.Register(running.Kill);
            try
            {
                // Bulk bytes move with blocking calls; the wait for the response (the pipeline's compute) holds no thread.
                // A request that fits in the pipe is written inline: that write cannot block.
                if (header.Length + blobs.Sum(ExecutorWire.BlobLength) < NodeExecutor.PipeBytes)
                {
                    ExecutorWire.WriteFrame(executor.Requests, header, blobs);
                }
                else
                {
                    await Task.Run(() => ExecutorWire.WriteFrame(executor.Requests, header, blobs), CancellationToken.None).ConfigureAwait(false);
                }
                using var response = await executor.ReadHeaderAsync(CancellationToken.None).ConfigureAwait(false);
                return Complete(request, executor, response.RootElement, started);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or JsonException or InvalidDataException
                                          or InvalidOperationException or KeyNotFoundException)
            {
                var why = executor.DescribeExit();
                executor.Dispose();
                executor = null;
                cancellationToken.ThrowIfCancellationRequested();
                if (deadline.IsCancellationRequested)
                {
                    throw new PipelineRunException(request.Pipeline, PipelineFailureKind.Timeout,
                        $"did not finish within {request.Options.Timeout} and was stopped", string.Empty, string.Empty);
                }

                throw new PipelineRunException(request.Pipeline, PipelineFailureKind.ExecutorCrashed,
                    $"the executor process ended during the run ({why}): {e.Message}", string.Empty, string.Empty);
            }
        }
        finally
        {
            if (executor is not null)
            {
                if (executor.HasExited || disposed)
                {
                    executor.Dispose();
                }
                else
                {
                    idle.Add(executor);
                }
            }

            slots.Release();
        }
    }

    /// <inheritdoc/>
    public string GetModuleKey(PipelineReference pipeline) => modules.Resolve(pipeline).Key;

    /// <summary>Stops every executor.</summary>
    public void Dispose()
    {
        disposed = true;
        while (idle.TryTake(out var executor))
        {
            executor.Dispose();
        }
    }

    private static PipelineResult Complete(PipelineRunRequest request, NodeExecutor executor, JsonElement root, long started)
    {
        var stdout = root.TryGetProperty("stdout", out var o) ? o.GetString() ?? string.Empty : string.Empty;
        var stderr = root.TryGetProperty("stderr", out var e) ? e.GetString() ?? string.Empty : string.Empty;
        if (!root.GetProperty("ok").GetBoolean())
        {
            var kind = root.GetProperty("kind").GetString() switch
            {
                "out-of-memory" => PipelineFailureKind.OutOfMemory,
                "invalid-module" => PipelineFailureKind.InvalidModule,
                "invalid-request" => PipelineFailureKind.InvalidRequest,
                _ => PipelineFailureKind.Trap,
            };
            var detail = root.TryGetProperty("message", out var m) ? m.GetString() ?? "unknown error" : "unknown error";
            if (kind == PipelineFailureKind.OutOfMemory)
            {
                detail = $"{detail}; memory limit {request.Options.MemoryLimitBytes} bytes";
            }

            throw new PipelineRunException(request.Pipeline, kind, detail, stdout, stderr);
        }

        var returnCode = root.GetProperty("returnCode").GetInt32();
        var outputs = ExecutorWire.ReadOutputs(root, request, executor.Responses);
        if (returnCode != 0)
        {
            throw new PipelineRunException(request.Pipeline, PipelineFailureKind.NonZeroExit,
                $"exit code {returnCode}", stdout, stderr, returnCode);
        }

        var t = root.GetProperty("timings");
        TimeSpan Ms(string name) => t.TryGetProperty(name, out var v) ? TimeSpan.FromMilliseconds(v.GetDouble()) : TimeSpan.Zero;
        var timings = new PipelineTimings(
            Ms("compileMs"), Ms("instantiateMs"), Ms("inputMs"), Ms("computeMs"), Ms("outputMs"), Stopwatch.GetElapsedTime(started));
        return new PipelineResult(outputs, stdout, stderr, timings);
    }

    private NodeExecutor? TakeIdle()
    {
        while (idle.TryTake(out var executor))
        {
            if (!executor.HasExited)
            {
                return executor;
            }

            executor.Dispose();
        }

        return null;
    }
}
