using ItkWasmCluster.Jobs;
using Microsoft.Data.Sqlite;

namespace ItkWasmCluster.Storage.JobStores;

/// <summary>
/// An <see cref="IJobStore"/> in one SQLite file: the embedded cluster's durable state. WAL journaling with
/// <c>synchronous=NORMAL</c>: every committed transaction survives the process being killed (not a power loss). Leases
/// are measured on the injected <see cref="TimeProvider"/>. Thread-safe: each call uses its own pooled connection, and
/// SQLite serializes writers (Microsoft.Data.Sqlite retries a busy database until the command timeout).
/// </summary>
public sealed class SqliteJobStore : IJobStore
{
    /// <summary>The schema version this code writes, kept in <c>PRAGMA user_version</c>.</summary>
    private const int SchemaVersion = 1;

    private const string Schema = """
        PRAGMA journal_mode = WAL;
        CREATE TABLE IF NOT EXISTS jobs (
            id TEXT PRIMARY KEY, spec TEXT NOT NULL, state TEXT NOT NULL, created INTEGER NOT NULL, finished INTEGER);
        CREATE TABLE IF NOT EXISTS tasks (
            job_id TEXT NOT NULL, idx INTEGER NOT NULL, input TEXT NOT NULL, output TEXT NOT NULL, version TEXT NOT NULL,
            state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, owner TEXT, lease_expires INTEGER,
            not_before INTEGER NOT NULL DEFAULT 0, error TEXT, stderr TEXT, duration_ms REAL NOT NULL DEFAULT 0,
            reused INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (job_id, idx));
        CREATE UNIQUE INDEX IF NOT EXISTS tasks_by_input ON tasks (job_id, input);
        CREATE INDEX IF NOT EXISTS tasks_by_state ON tasks (job_id, state, not_before);
        CREATE TABLE IF NOT EXISTS results (content_key TEXT PRIMARY KEY, output TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS input_hashes (input TEXT PRIMARY KEY, version TEXT NOT NULL, hash TEXT NOT NULL);
        """;

    private readonly string connectionString;
    private readonly TimeProvider time;

    /// <summary>Creates a store in <paramref name="path"/> (the file and its folder are created if missing).</summary>
    public SqliteJobStore(string path, TimeProvider? timeProvider = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        connectionString = new SqliteConnectionStringBuilder { DataSource = path, DefaultTimeout = 30, Pooling = true }.ToString();
        time = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc/>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var version = Command(connection, "PRAGMA user_version", []);
        var current = Convert.ToInt32(await version.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        if (current > SchemaVersion)
        {
            throw new InvalidOperationException($"The state database has schema version {current}; this version of ItkWasmCluster understands up to {SchemaVersion}.");
        }

        if (current < 1)
        {
            // Before version 1 the input-hash cache had another key; it is only a cache, so it starts again.
            await ExecuteAsync(connection, "DROP TABLE IF EXISTS input_hashes", [], cancellationToken).ConfigureAwait(false);
        }

        await ExecuteAsync(connection, Schema + $"PRAGMA user_version = {SchemaVersion};", [], cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<JobRecord> CreateOrGetJobAsync(string id, JobSpec spec, CancellationToken cancellationToken = default)
    {
        await using (var connection = await OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            await ExecuteAsync(connection,
                "INSERT INTO jobs (id, spec, state, created) VALUES ($id, $spec, 'Running', $now) ON CONFLICT (id) DO NOTHING",
                [("$id", id), ("$spec", JobSpecParser.ToJson(spec).ToJsonString()), ("$now", Now())], cancellationToken).ConfigureAwait(false);
        }

        return await GetJobAsync(id, cancellationToken).ConfigureAwait(false)
               ?? throw new InvalidOperationException($"Job {id} vanished right after it was created.");
    }

    /// <inheritdoc/>
    public async Task<JobRecord?> GetJobAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, "SELECT spec, state, created, finished FROM jobs WHERE id = $id", [("$id", id)]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new JobRecord(
            id,
            JobSpecParser.FromJson(System.Text.Json.Nodes.JsonNode.Parse(reader.GetString(0))),
            Enum.Parse<JobState>(reader.GetString(1)),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
            reader.IsDBNull(3) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)));
    }

    /// <inheritdoc/>
    public async Task SetJobStateAsync(string id, JobState state, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, "UPDATE jobs SET state = $state, finished = $finished WHERE id = $id",
            [("$id", id), ("$state", state.ToString()), ("$finished", state == JobState.Running ? null : Now())], cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task SyncTasksAsync(string jobId, IReadOnlyList<TaskItem> items, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var existing = new Dictionary<string, (long Index, string Version)>(StringComparer.Ordinal);
        await using (var select = Command(connection, "SELECT input, idx, version FROM tasks WHERE job_id = $job", [("$job", jobId)]))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                existing[reader.GetString(0)] = (reader.GetInt64(1), reader.GetString(2));
            }
        }

        var next = existing.Count == 0 ? 0 : existing.Values.Max(v => v.Index) + 1;
        foreach (var item in items)
        {
            if (!existing.Remove(item.Input, out var known))
            {
                await ExecuteAsync(connection,
                    "INSERT INTO tasks (job_id, idx, input, output, version, state) VALUES ($job, $idx, $input, $output, $version, 'Pending')",
                    [("$job", jobId), ("$idx", next++), ("$input", item.Input), ("$output", item.Output), ("$version", item.Version)], cancellationToken).ConfigureAwait(false);
            }
            else if (known.Version != item.Version)
            {
                await ExecuteAsync(connection,
                    "UPDATE tasks SET version = $version, output = $output, state = 'Pending', attempts = 0, error = NULL, stderr = NULL, not_before = 0, reused = 0 WHERE job_id = $job AND idx = $idx",
                    [("$job", jobId), ("$idx", known.Index), ("$output", item.Output), ("$version", item.Version)], cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var (_, gone) in existing)
        {
            await ExecuteAsync(connection, "DELETE FROM tasks WHERE job_id = $job AND idx = $idx", [("$job", jobId), ("$idx", gone.Index)], cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task ReleaseRunningAsync(string jobId, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection,
            "UPDATE tasks SET state = 'Pending', attempts = MAX(attempts - 1, 0), owner = NULL, lease_expires = NULL WHERE job_id = $job AND state = 'Running'",
            [("$job", jobId)], cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<TaskLease?> ClaimAsync(string jobId, string owner, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        var now = Now();
        var expires = now + (long)lease.TotalMilliseconds;
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, """
            UPDATE tasks SET state = 'Running', attempts = attempts + 1, owner = $owner, lease_expires = $expires
            WHERE rowid = (SELECT rowid FROM tasks WHERE job_id = $job
                           AND ((state = 'Pending' AND not_before <= $now) OR (state = 'Running' AND lease_expires < $now))
                           ORDER BY idx LIMIT 1)
            RETURNING idx, input, output, attempts
            """, [("$job", jobId), ("$owner", owner), ("$now", now), ("$expires", expires)]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new TaskLease(jobId, reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), owner, DateTimeOffset.FromUnixTimeMilliseconds(expires))
            : null;
    }

    /// <inheritdoc/>
    public async Task<TaskLease?> ClaimAnyAsync(string owner, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        foreach (var job in (await ListJobsAsync(cancellationToken).ConfigureAwait(false)).Where(j => j.State == JobState.Running))
        {
            if (await ClaimAsync(job.Id, owner, lease, cancellationToken).ConfigureAwait(false) is { } claimed)
            {
                return claimed;
            }
        }

        return null;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<JobRecord>> ListJobsAsync(CancellationToken cancellationToken = default)
    {
        var ids = new List<string>();
        await using (var connection = await OpenAsync(cancellationToken).ConfigureAwait(false))
        await using (var command = Command(connection, "SELECT id FROM jobs ORDER BY created DESC", []))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                ids.Add(reader.GetString(0));
            }
        }

        var jobs = new List<JobRecord>();
        foreach (var id in ids)
        {
            jobs.Add((await GetJobAsync(id, cancellationToken).ConfigureAwait(false))!);
        }

        return jobs;
    }

    /// <inheritdoc/>
    public async Task<bool> TryFinishJobAsync(string id, JobState state, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ExecuteAsync(connection, "UPDATE jobs SET state = $state, finished = $now WHERE id = $id AND state = 'Running'",
            [("$id", id), ("$state", state.ToString()), ("$now", Now())], cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc/>
    public async Task<bool> RenewAsync(TaskLease lease, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ExecuteAsync(connection,
            "UPDATE tasks SET lease_expires = $expires WHERE job_id = $job AND idx = $idx AND attempts = $attempt AND owner = $owner AND state = 'Running' AND EXISTS (SELECT 1 FROM jobs WHERE id = $job AND state = 'Running')",
            [.. Fence(lease), ("$expires", Now() + (long)duration.TotalMilliseconds)], cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc/>
    public async Task<bool> CompleteAsync(TaskLease lease, TaskOutcome outcome, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(outcome);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var updated = await ExecuteAsync(connection, """
            UPDATE tasks SET state = $state, error = $error, stderr = $stderr, duration_ms = $duration, reused = $reused,
                             not_before = $notBefore, owner = NULL, lease_expires = NULL
            WHERE job_id = $job AND idx = $idx AND attempts = $attempt AND owner = $owner AND state = 'Running'
            """,
            [.. Fence(lease), ("$state", outcome.State.ToString()), ("$error", outcome.Error), ("$stderr", outcome.Stderr),
             ("$duration", outcome.Duration.TotalMilliseconds), ("$reused", outcome.Reused ? 1 : 0),
             ("$notBefore", outcome.RetryDelay is { } delay ? Now() + (long)delay.TotalMilliseconds : 0)], cancellationToken).ConfigureAwait(false) == 1;
        if (updated && outcome.ContentKey is { } key)
        {
            await ExecuteAsync(connection,
                "INSERT INTO results (content_key, output) VALUES ($key, $output) ON CONFLICT (content_key) DO UPDATE SET output = excluded.output",
                [("$key", key), ("$output", lease.Output)], cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return updated;
    }

    /// <inheritdoc/>
    public async Task ReleaseAsync(TaskLease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection,
            "UPDATE tasks SET state = 'Pending', attempts = attempts - 1, owner = NULL, lease_expires = NULL WHERE job_id = $job AND idx = $idx AND attempts = $attempt AND owner = $owner AND state = 'Running'",
            Fence(lease), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<JobCounts> GetCountsAsync(string jobId, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, "SELECT state, COUNT(*) FROM tasks WHERE job_id = $job GROUP BY state", [("$job", jobId)]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await TaskRows.ReadCountsAsync(reader, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<TaskRecord>> GetTasksAsync(string jobId, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection,
            $"SELECT {TaskRows.TaskColumns} FROM tasks WHERE job_id = $job ORDER BY idx", [("$job", jobId)]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await TaskRows.ReadTasksAsync(jobId, reader, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyDictionary<string, string>> FindResultsAsync(IReadOnlyCollection<string> contentKeys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(contentKeys);
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, "SELECT output FROM results WHERE content_key = $key", [("$key", string.Empty)]);
        foreach (var key in contentKeys)
        {
            command.Parameters["$key"].Value = key;
            if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string output)
            {
                found[key] = output;
            }
        }

        return found;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyDictionary<string, InputHash>> GetInputHashesAsync(string prefix, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection,
            "SELECT input, version, hash FROM input_hashes WHERE substr(input, 1, length($prefix)) = $prefix", [("$prefix", prefix)]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var hashes = new Dictionary<string, InputHash>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            hashes[reader.GetString(0)] = new InputHash(reader.GetString(0), reader.GetString(1), reader.GetString(2));
        }

        return hashes;
    }

    /// <inheritdoc/>
    public async Task SetInputHashesAsync(IReadOnlyCollection<InputHash> hashes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var h in hashes)
        {
            await ExecuteAsync(connection,
                "INSERT INTO input_hashes (input, version, hash) VALUES ($input, $version, $hash) ON CONFLICT (input) DO UPDATE SET version = excluded.version, hash = excluded.hash",
                [("$input", h.Input), ("$version", h.Version), ("$hash", h.Hash)], cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static (string, object?)[] Fence(TaskLease lease) =>
        [("$job", lease.JobId), ("$idx", lease.Index), ("$attempt", lease.Attempt), ("$owner", lease.Owner)];

    private static SqliteCommand Command(SqliteConnection connection, string sql, IEnumerable<(string Name, object? Value)> parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private static async Task<int> ExecuteAsync(
        SqliteConnection connection, string sql, IEnumerable<(string Name, object? Value)> parameters, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var pragma = Command(connection, "PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 30000;", []);
        await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    private long Now() => time.GetUtcNow().ToUnixTimeMilliseconds();
}
