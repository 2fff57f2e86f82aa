namespace ItkWasm.Pipelines;

/// <summary>Why a pipeline run failed.</summary>
public enum PipelineFailureKind
{
    /// <summary>The pipeline returned (or <c>proc_exit</c>ed with) a non-zero code; its stderr says why.</summary>
    NonZeroExit,

    /// <summary>The module trapped: ITK-Wasm's normal error path in WASI builds, where a C++ <c>throw</c> aborts
    /// (ITKWASM-SPEC §1.8).</summary>
    Trap,

    /// <summary>The run passed its deadline and was stopped.</summary>
    Timeout,

    /// <summary>The module tried to grow its memory past the limit.</summary>
    OutOfMemory,

    /// <summary>The module's call stack overflowed (deep or endless recursion).</summary>
    StackOverflow,

    /// <summary>The file is not WebAssembly, does not compile, or lacks ITK-Wasm's exports.</summary>
    InvalidModule,

    /// <summary>The module is valid WebAssembly but needs what the runtime cannot provide, such as WASI threads.</summary>
    UnsupportedModule,

    /// <summary>The pipeline could not be found, or the request was inconsistent with it.</summary>
    InvalidRequest,

    /// <summary>The executor process died during the run; it is replaced for the next run.</summary>
    ExecutorCrashed,
}
