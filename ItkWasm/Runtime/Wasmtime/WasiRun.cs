using System.Diagnostics;
using ItkWasm.Pipelines;
using ItkWasm.Runtime.MemoryIo;
using Wasmtime;

namespace ItkWasm.Runtime.Wasmtime;

/// <summary>
/// One run of a WASI pipeline on a fresh store and instance, in the sequence of ITK-Wasm's Python runtime
/// (ITKWASM-SPEC §1.3): instantiate, <c>_initialize</c>, write the inputs, <c>itk_wasm_delayed_start</c>, read the
/// outputs, <c>itk_wasm_delayed_exit</c>. The module sees its arguments (after a program name), no environment, no
/// standard input, and only the folders of its file arguments, each at its own path (inputs read-only, outputs
/// writable); its standard output and error are captured in memory. Every failure becomes a
/// <see cref="PipelineRunException"/> of the matching kind, or an <see cref="OperationCanceledException"/>.
/// Runs on the calling thread: one of the runtime's run threads.
/// </summary>
internal static class WasiRun
{
    /// <summary>Runs <paramref name="request"/> on <paramref name="module"/> in <paramref name="store"/>, a fresh store
    /// that the caller disposes once it has handed the result on (dropping the instance's memory takes time).</summary>
    public static PipelineResult Execute(
        WasmtimeEngine engine, Store store, CompiledModule module, PipelineRunRequest request, RunControl control, TimeSpan compileTime)
    {
        var pipeline = request.Pipeline;
        var limits = request.Options;
        var stdout = new OutputCapture(limits.OutputCaptureLimitBytes);
        var stderr = new OutputCapture(limits.OutputCaptureLimitBytes);
        var budget = new MemoryBudget(limits.MemoryLimitBytes);
        store.SetWasiConfiguration(Configure(request, stdout, stderr));
        if (!engine.CapsMemory)
        {
            store.SetLimits(memorySize: limits.MemoryLimitBytes);
        }

        switch (engine.Interruption)
        {
            case WasmtimeInterruption.Epoch:
                store.SetEpochDeadline(1);
                store.SetEpochDeadlineCallback(_ => control.Continue());
                break;
            case WasmtimeInterruption.Fuel:
                store.Fuel = ulong.MaxValue;
                break;
        }

        var phase = Stopwatch.GetTimestamp();
        TimeSpan Lap()
        {
            var now = Stopwatch.GetTimestamp();
            var elapsed = Stopwatch.GetElapsedTime(phase, now);
            phase = now;
            return elapsed;
        }

        Memory? memory = null;
        var outputs = new List<object>();
        using (CappedMemory.Enter(budget))
        {
            try
            {
                var instance = engine.Linker.Instantiate(store, module.Module);
                memory = instance.GetMemory("memory");
                instance.GetAction("_initialize")!();
                var io = new LinearMemoryIo(instance, pipeline);
                var instantiate = Lap();
                for (var i = 0; i < request.Inputs.Count; i++)
                {
                    io.WriteInput(i, MemoryIoInput.Describe(request.Inputs[i]));
                }

                var input = Lap();
                var (returnCode, exited) = Start(instance);
                var compute = Lap();
                if (returnCode == 0 && !exited)
                {
                    for (var i = 0; i < request.Outputs.Count; i++)
                    {
                        outputs.Add(io.ReadOutput(i, request.Outputs[i]));
                    }
                }

                if (!exited)
                {
                    Exit(instance, returnCode);
                }

                var output = Lap();
                if (returnCode != 0)
                {
                    throw budget.SizeWhenRefused is null
                        ? new PipelineRunException(pipeline, PipelineFailureKind.NonZeroExit, $"exit code {returnCode}", stdout.Text(), stderr.Text(), returnCode)
                        : new PipelineRunException(pipeline, PipelineFailureKind.OutOfMemory, budget.Describe(), stdout.Text(), stderr.Text(), returnCode);
                }

                var timings = new PipelineTimings(compileTime, instantiate, input, compute, output, control.Elapsed);
                return new PipelineResult(outputs, stdout.Text(), stderr.Text(), timings);
            }
            catch (Exception e)
            {
                foreach (var o in outputs.OfType<IDisposable>())
                {
                    o.Dispose();
                }

                if (e is WasmtimeException wasmtime)
                {
                    throw Classify(wasmtime, request, control, budget, memory, !engine.CapsMemory, stdout.Text(), stderr.Text());
                }

                throw;
            }
        }
    }

    private static WasiConfiguration Configure(PipelineRunRequest request, OutputCapture stdout, OutputCapture stderr)
    {
        var config = new WasiConfiguration()
            .WithArgs([request.Pipeline.Name, .. request.Args])
            .WithStandardOutputCallback(stdout.Add)
            .WithStandardErrorCallback(stderr.Add);
        foreach (var (folder, writable) in Preopens(request))
        {
            if (!Directory.Exists(folder))
            {
                throw new PipelineRunException(request.Pipeline, PipelineFailureKind.InvalidRequest,
                    $"no such folder: {folder} (the folder of a file argument)", string.Empty, string.Empty);
            }

            config.WithPreopenedDirectory(folder, folder, writable);
        }

        return config;
    }

    /// <summary>The folders of the run's file arguments, guest path = host path as in ITK-Wasm's Python runtime;
    /// writable only where an output file goes.</summary>
    private static SortedDictionary<string, bool> Preopens(PipelineRunRequest request)
    {
        var folders = new SortedDictionary<string, bool>(StringComparer.Ordinal);
        foreach (var path in request.Inputs.Select(i => i.FilePath).OfType<string>())
        {
            folders.TryAdd(Path.GetDirectoryName(path)!, false);
        }

        foreach (var output in request.Outputs.Where(o => o.Path is not null))
        {
            folders[Path.GetDirectoryName(Path.GetFullPath(output.Path!))!] = true;
        }

        return folders;
    }

    // proc_exit during itk_wasm_delayed_start: --interface-json, --help and --version exit 0 there (ITKWASM-SPEC §1.4).
    private static (int ReturnCode, bool Exited) Start(Instance instance)
    {
        try
        {
            return (instance.GetFunction<int>("itk_wasm_delayed_start")!(), false);
        }
        catch (WasmtimeException e) when (e.ExitCode is { } code && e.InnerException is null)
        {
            return (code, true);
        }
    }

    // With a non-zero code itk_wasm_delayed_exit ends in proc_exit(code), which is expected.
    private static void Exit(Instance instance, int returnCode)
    {
        try
        {
            instance.GetAction<int>("itk_wasm_delayed_exit")!(returnCode);
        }
        catch (WasmtimeException e) when (e.ExitCode is not null && e.InnerException is null)
        {
        }
    }

    private static Exception Classify(
        WasmtimeException e, PipelineRunRequest request, RunControl control, MemoryBudget budget, Memory? memory, bool storeLimited, string stdout, string stderr)
    {
        var pipeline = request.Pipeline;
        if (e.InnerException is RunControl.Stopped)
        {
            return control.StopError(pipeline, stdout, stderr);
        }

        var detail = WasmtimeMessages.Describe(e);
        if (budget.SizeWhenRefused is not null)
        {
            return new PipelineRunException(pipeline, PipelineFailureKind.OutOfMemory, $"{budget.Describe()}; then {detail}", stdout, stderr);
        }

        // Under store limits (no memory creator on this platform) a refused growth leaves no record: judge by size.
        if (storeLimited && memory is not null && memory.GetLength() + 65536 > budget.LimitBytes)
        {
            return new PipelineRunException(pipeline, PipelineFailureKind.OutOfMemory,
                $"its memory ({memory.GetLength()} bytes) reached the memory limit of {budget.LimitBytes} bytes; then {detail}", stdout, stderr);
        }

        if (e.ExitCode is { } code)
        {
            return new PipelineRunException(pipeline, PipelineFailureKind.NonZeroExit, $"exit code {code}", stdout, stderr, code);
        }

        if (e is TrapException trap)
        {
            return trap.Type switch
            {
                TrapCode.StackOverflow => new PipelineRunException(pipeline, PipelineFailureKind.StackOverflow, detail, stdout, stderr),
                _ when stderr.Contains("bad_alloc", StringComparison.Ordinal) => new PipelineRunException(pipeline, PipelineFailureKind.OutOfMemory,
                    $"an allocation failed with {memory?.GetLength() ?? 0} bytes of memory in use (a wasm32 module can address 4 GiB); then {detail}", stdout, stderr),
                _ => new PipelineRunException(pipeline, PipelineFailureKind.Trap, detail, stdout, stderr),
            };
        }

        return new PipelineRunException(pipeline, PipelineFailureKind.InvalidModule, $"cannot be instantiated: {detail}", stdout, stderr);
    }
}
