using ItkWasm.Pipelines;
using Wasmtime;

namespace ItkWasm.Runtime.Wasmtime;

/// <summary>A compiled module that was checked to be an ITK-Wasm WASI pipeline this runtime can run.</summary>
internal sealed class CompiledModule : IDisposable
{
    /// <summary>The exports every ITK-Wasm WASI pipeline has and a host calls (ITKWASM-SPEC §1.1).</summary>
    private static readonly string[] RequiredExports =
    [
        "memory", "_initialize", "itk_wasm_delayed_start", "itk_wasm_delayed_exit", "itk_wasm_input_array_alloc",
        "itk_wasm_input_json_alloc", "itk_wasm_output_json_address", "itk_wasm_output_json_size",
        "itk_wasm_output_array_address", "itk_wasm_output_array_size",
    ];

    private CompiledModule(Module module) => Module = module;

    /// <summary>Gets the compiled module.</summary>
    public Module Module { get; }

    /// <summary>Checks <paramref name="module"/>'s imports and exports; disposes it when it cannot be used.</summary>
    /// <exception cref="PipelineRunException">A WASI-threads build (<see cref="PipelineFailureKind.UnsupportedModule"/>),
    /// or a module without ITK-Wasm's exports (<see cref="PipelineFailureKind.InvalidModule"/>).</exception>
    public static CompiledModule Check(PipelineReference pipeline, Module module)
    {
        try
        {
            if (module.Imports.Any(i => i.ModuleName == "wasi" && i.Name == "thread-spawn"))
            {
                throw ThreadsBuild(pipeline);
            }

            var exports = module.Exports.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
            var missing = RequiredExports.Where(e => !exports.Contains(e)).ToArray();
            if (missing.Length > 0)
            {
                throw new PipelineRunException(pipeline, PipelineFailureKind.InvalidModule,
                    $"not an ITK-Wasm WASI pipeline: it lacks the exports {string.Join(", ", missing)}", string.Empty, string.Empty);
            }

            var foreign = module.Imports.Where(i => i.ModuleName != "wasi_snapshot_preview1").Select(i => $"{i.ModuleName}.{i.Name}").ToArray();
            if (foreign.Length > 0)
            {
                throw new PipelineRunException(pipeline, PipelineFailureKind.InvalidModule,
                    $"imports {string.Join(", ", foreign)}, which no ITK-Wasm WASI pipeline needs: only WASI preview 1 (wasi_snapshot_preview1) is provided",
                    string.Empty, string.Empty);
            }

            return new CompiledModule(module);
        }
        catch
        {
            module.Dispose();
            throw;
        }
    }

    /// <summary>Returns the error for a module Wasmtime refused to compile.</summary>
    public static PipelineRunException Unusable(PipelineReference pipeline, WasmtimeException e) =>
        e.Message.Contains("shared", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("thread", StringComparison.OrdinalIgnoreCase)
            ? ThreadsBuild(pipeline)
            : new PipelineRunException(pipeline, PipelineFailureKind.InvalidModule, $"the module does not compile: {WasmtimeMessages.Cause(e.Message)}", string.Empty, string.Empty);

    /// <inheritdoc/>
    public void Dispose() => Module.Dispose();

    private static PipelineRunException ThreadsBuild(PipelineReference pipeline) => new(pipeline, PipelineFailureKind.UnsupportedModule,
        "is a WASI-threads build (it imports wasi.thread-spawn and a shared env.memory), which this runtime cannot run: the "
        + "Wasmtime .NET embedding provides neither, as ITK-Wasm's Python runtime does not; use the pipeline's build without threads",
        string.Empty, string.Empty);
}
