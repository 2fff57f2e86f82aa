using System.Data.Common;
using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Storage.JobStores;

/// <summary>Reads the task queries both SQL job stores share, whatever the engine.</summary>
internal static class TaskRows
{
    /// <summary>The columns <see cref="ReadTasksAsync"/> expects, in order.</summary>
    public const string TaskColumns = "idx, input, output, state, attempts, error, stderr, duration_ms, reused";

    /// <summary>Reads rows of (state, count) into a job's counts.</summary>
    public static async Task<JobCounts> ReadCountsAsync(DbDataReader reader, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            counts[reader.GetString(0)] = reader.GetInt32(1);
        }

        int Of(TaskState s) => counts.GetValueOrDefault(s.ToString());
        return new JobCounts(counts.Values.Sum(), Of(TaskState.Pending), Of(TaskState.Running), Of(TaskState.Succeeded), Of(TaskState.Failed));
    }

    /// <summary>Reads rows of <see cref="TaskColumns"/> into the tasks of job <paramref name="jobId"/>.</summary>
    public static async Task<IReadOnlyList<TaskRecord>> ReadTasksAsync(string jobId, DbDataReader reader, CancellationToken cancellationToken)
    {
        var tasks = new List<TaskRecord>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            tasks.Add(new TaskRecord(
                jobId, reader.GetInt32(0), reader.GetString(1), reader.GetString(2), Enum.Parse<TaskState>(reader.GetString(3)),
                reader.GetInt32(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6),
                TimeSpan.FromMilliseconds(reader.GetDouble(7)), reader.GetBoolean(8)));
        }

        return tasks;
    }
}
