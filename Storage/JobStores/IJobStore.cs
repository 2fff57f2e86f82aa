using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Storage.JobStores;

/// <summary>
/// The cluster's durable coordination state: jobs, their tasks, leases, and the cache of committed results. The
/// embedded cluster keeps it in SQLite (<see cref="SqliteJobStore"/>); a distributed cluster in PostgreSQL. Claims are
/// leases fenced by the attempt number, so a worker that lost its lease cannot complete a task someone else holds.
/// </summary>
public interface IJobStore
{
    /// <summary>Creates or migrates the schema.</summary>
    Task InitializeAsync(CancellationToken cancellationToken = default);

    /// <summary>Returns the job <paramref name="id"/>, creating it from <paramref name="spec"/> if it is new.</summary>
    Task<JobRecord> CreateOrGetJobAsync(string id, JobSpec spec, CancellationToken cancellationToken = default);

    /// <summary>Returns a job, or null.</summary>
    Task<JobRecord?> GetJobAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Sets a job's state (and its finish time for a finished state).</summary>
    Task SetJobStateAsync(string id, JobState state, CancellationToken cancellationToken = default);

    /// <summary>Makes the job's tasks match <paramref name="items"/>: adds new items as pending, makes items whose
    /// input version changed pending again, and drops items no longer in the dataset.</summary>
    Task SyncTasksAsync(string jobId, IReadOnlyList<TaskItem> items, CancellationToken cancellationToken = default);

    /// <summary>Makes every running task of the job pending again, without counting the interrupted attempt (the
    /// embedded cluster calls this at start, when it alone holds the job).</summary>
    Task ReleaseRunningAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Claims the next claimable task of the job: pending and due, or running with a lapsed lease.</summary>
    /// <returns>The lease, or null when no task is claimable now.</returns>
    Task<TaskLease?> ClaimAsync(string jobId, string owner, TimeSpan lease, CancellationToken cancellationToken = default);

    /// <summary>Claims the next claimable task of any running job (a silo's work loop serves every job).</summary>
    Task<TaskLease?> ClaimAnyAsync(string owner, TimeSpan lease, CancellationToken cancellationToken = default);

    /// <summary>Returns every job, newest first.</summary>
    Task<IReadOnlyList<JobRecord>> ListJobsAsync(CancellationToken cancellationToken = default);

    /// <summary>Moves a running job to a finished state; only one caller succeeds (it then writes the report).</summary>
    Task<bool> TryFinishJobAsync(string id, JobState state, CancellationToken cancellationToken = default);

    /// <summary>Extends a lease; returns false if it was lost, or if its job is no longer running (cancelled), which
    /// tells the worker to stop.</summary>
    Task<bool> RenewAsync(TaskLease lease, TimeSpan duration, CancellationToken cancellationToken = default);

    /// <summary>Records how an attempt ended, only if <paramref name="lease"/> still holds (fencing), with the result's
    /// content key when the outcome carries one, in one transaction.</summary>
    /// <returns>False when the lease was lost: someone else holds the task now, and this outcome is discarded.</returns>
    Task<bool> CompleteAsync(TaskLease lease, TaskOutcome outcome, CancellationToken cancellationToken = default);

    /// <summary>Gives a claimed task back without counting the attempt (the run was cancelled).</summary>
    Task ReleaseAsync(TaskLease lease, CancellationToken cancellationToken = default);

    /// <summary>Returns how many of the job's tasks stand where.</summary>
    Task<JobCounts> GetCountsAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Returns the job's tasks in index order.</summary>
    Task<IReadOnlyList<TaskRecord>> GetTasksAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Returns the result blobs committed for <paramref name="contentKeys"/> (module, arguments and input), by
    /// content key; keys with no result are absent.</summary>
    Task<IReadOnlyDictionary<string, string>> FindResultsAsync(IReadOnlyCollection<string> contentKeys, CancellationToken cancellationToken = default);

    /// <summary>Returns the recorded content hashes of the inputs whose identity starts with <paramref name="prefix"/>,
    /// by identity.</summary>
    Task<IReadOnlyDictionary<string, InputHash>> GetInputHashesAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Records input content hashes, in one transaction.</summary>
    Task SetInputHashesAsync(IReadOnlyCollection<InputHash> hashes, CancellationToken cancellationToken = default);
}
