using System.Diagnostics;
using ItkWasm.Pipelines;

namespace ItkWasm.Runtime.Wasmtime;

/// <summary>
/// The deadline and cancellation of one run, checked by the module itself at each epoch tick (Wasmtime's epoch
/// deadline callback), so no timer is needed per run: when either has passed, <see cref="Continue"/> throws
/// <see cref="Stopped"/>, which ends the module's execution.
/// </summary>
internal sealed class RunControl
{
    private readonly long started = Stopwatch.GetTimestamp();
    private readonly long deadline;
    private int state;

    /// <summary>Starts the clock of a run that may take <paramref name="timeout"/> (or forever) from now.</summary>
    public RunControl(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Timeout = timeout;
        CancellationToken = cancellationToken;
        deadline = timeout == System.Threading.Timeout.InfiniteTimeSpan
            ? long.MaxValue
            : started + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
    }

    /// <summary>Gets the run's timeout.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Gets the caller's token.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Gets the time since the call.</summary>
    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(started);

    /// <summary>Gets whether the run must stop.</summary>
    public bool MustStop => CancellationToken.IsCancellationRequested || Stopwatch.GetTimestamp() > deadline;

    /// <summary>Marks the run as started by a run thread, unless the caller abandoned it first.</summary>
    public bool TryStart() => Interlocked.CompareExchange(ref state, 1, 0) == 0;

    /// <summary>Marks a run that has not started as abandoned, so that no thread will start it.</summary>
    public bool TryAbandon() => Interlocked.CompareExchange(ref state, 2, 0) == 0;

    /// <summary>Called at an epoch tick: returns the ticks until the next check, or throws to stop the module.</summary>
    /// <exception cref="Stopped">The deadline passed or the run was cancelled.</exception>
    public ulong Continue() => MustStop ? throw new Stopped() : 1UL;

    /// <summary>Returns the error for a stopped run: cancellation, or the deadline.</summary>
    public Exception StopError(PipelineReference pipeline, string stdout = "", string stderr = "") => CancellationToken.IsCancellationRequested
        ? new OperationCanceledException(CancellationToken)
        : new PipelineRunException(pipeline, PipelineFailureKind.Timeout, $"did not finish within {Timeout} and was stopped", stdout, stderr);

    /// <summary>Thrown from the epoch callback to stop a module.</summary>
    public sealed class Stopped : Exception
    {
        /// <summary>Creates the exception.</summary>
        public Stopped()
            : base("The run was stopped.")
        {
        }
    }
}
