using ItkWasmCluster.Jobs;
using Npgsql;

namespace ItkWasmCluster.Storage.JobStores;

/// <summary>
/// An <see cref="IJobStore"/> in PostgreSQL, shared by every silo of a cluster. Claims take the next due task of any
/// running job with <c>SELECT … FOR UPDATE SKIP LOCKED</c>, so concurrent claimers never wait on each other or take the
/// same task; leases and retry delays are measured on the database's clock (<c>now()</c>), never a silo's; completions
/// are fenced by attempt number and owner. The schema is created and migrated at start-up. Silos also record
/// heartbeats here (<see cref="HeartbeatAsync"/>).
/// </summary>
public sealed class PostgresJobStore : IJobStore, IAsyncDisposable
{
    private const int SchemaVersion = 1;

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS itkwasm_schema (version INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS jobs (
            id TEXT PRIMARY KEY, spec TEXT NOT NULL, state TEXT NOT NULL, created TIMESTAMPTZ NOT NULL DEFAULT now(),
            finished TIMESTAMPTZ);
        CREATE TABLE IF NOT EXISTS tasks (
            job_id TEXT NOT NULL REFERENCES jobs (id), idx INTEGER NOT NULL, input TEXT NOT NULL, output TEXT NOT NULL,
            version TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, owner TEXT,
            lease_expires TIMESTAMPTZ, not_before TIMESTAMPTZ NOT NULL DEFAULT '-infinity', error TEXT, stderr TEXT,
            duration_ms DOUBLE PRECISION NOT NULL DEFAULT 0, reused BOOLEAN NOT NULL DEFAULT false,
            PRIMARY KEY (job_id, idx));
        CREATE UNIQUE INDEX IF NOT EXISTS tasks_by_input ON tasks (job_id, input);
        CREATE INDEX IF NOT EXISTS tasks_claimable ON tasks (state, not_before) WHERE state IN ('Pending', 'Running');
        CREATE TABLE IF NOT EXISTS results (content_key TEXT PRIMARY KEY, output TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS input_hashes (input TEXT PRIMARY KEY, version TEXT NOT NULL, hash TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS submissions (idempotency_key TEXT PRIMARY KEY, job_id TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS nodes (
            id TEXT PRIMARY KEY, capabilities TEXT NOT NULL, concurrency INTEGER NOT NULL,
            started TIMESTAMPTZ NOT NULL DEFAULT now(), heartbeat TIMESTAMPTZ NOT NULL DEFAULT now());
        """;

    private readonly NpgsqlDataSource dataSource;

    /// <summary>Creates a store on <paramref name="connectionString"/> (an Npgsql connection string). Unless the string
    /// says otherwise, the store's few statements are prepared automatically after their second use (Npgsql's
    /// <c>Max Auto Prepare</c>), which spares the server planning them on every claim and completion.</summary>
    /// <exception cref="ArgumentException">The connection string is malformed.</exception>
    public PostgresJobStore(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase))
        {
            builder.MaxAutoPrepare = 32;
        }

        dataSource = NpgsqlDataSource.Create(builder);
    }

    /// <inheritdoc/>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Silos starting together: one creates the schema, the others wait on this lock.
        await ExecuteAsync(connection, "SELECT pg_advisory_xact_lock(7391)", [], cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, Schema, [], cancellationToken).ConfigureAwait(false);
        var current = await ScalarAsync(connection, "SELECT max(version) FROM itkwasm_schema", [], cancellationToken).ConfigureAwait(false);
        if (current is int version && version > SchemaVersion)
        {
            throw new InvalidOperationException($"The database has schema version {version}; this version of ItkWasmCluster understands up to {SchemaVersion}.");
        }

        if (current is null or DBNull)
        {
            await ExecuteAsync(connection, "INSERT INTO itkwasm_schema (version) VALUES (@v)", [("v", SchemaVersion)], cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Records that <paramref name="node"/> is alive, with its capabilities and concurrency.</summary>
    public async Task HeartbeatAsync(string node, IEnumerable<string> capabilities, int concurrency, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, """
            INSERT INTO nodes (id, capabilities, concurrency) VALUES (@id, @caps, @n)
            ON CONFLICT (id) DO UPDATE SET heartbeat = now(), capabilities = excluded.capabilities, concurrency = excluded.concurrency
            """, [("id", node), ("caps", string.Join(',', capabilities)), ("n", concurrency)], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Returns the nodes that sent a heartbeat within <paramref name="within"/>, with their capabilities.</summary>
    public async Task<IReadOnlyList<(string Node, string Capabilities, int Concurrency)>> ListNodesAsync(TimeSpan within, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, "SELECT id, capabilities, concurrency FROM nodes WHERE heartbeat > now() - @within ORDER BY id", [("within", within)]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var nodes = new List<(string, string, int)>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            nodes.Add((reader.GetString(0), reader.GetString(1), reader.GetInt32(2)));
        }

        return nodes;
    }

    /// <summary>Returns the job an idempotency key was first used for, recording <paramref name="jobId"/> if the key
    /// is new.</summary>
    public async Task<string> RecordSubmissionAsync(string idempotencyKey, string jobId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, "INSERT INTO submissions (idempotency_key, job_id) VALUES (@k, @j) ON CONFLICT DO NOTHING",
            [("k", idempotencyKey), ("j", jobId)], cancellationToken).ConfigureAwait(false);
        return (string)(await ScalarAsync(connection, "SELECT job_id FROM submissions WHERE idempotency_key = @k", [("k", idempotencyKey)], cancellationToken).ConfigureAwait(false))!;
    }

    /// <inheritdoc/>
    public async Task<JobRecord> CreateOrGetJobAsync(string id, JobSpec spec, CancellationToken cancellationToken = default)
    {
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        {
            await ExecuteAsync(connection, "INSERT INTO jobs (id, spec, state) VALUES (@id, @spec, 'Running') ON CONFLICT (id) DO NOTHING",
                [("id", id), ("spec", JobSpecParser.ToJson(spec).ToJsonString())], cancellationToken).ConfigureAwait(false);
        }

        return await GetJobAsync(id, cancellationToken).ConfigureAwait(false) ?? throw new InvalidOperationException($"Job {id} vanished right after it was created.");
    }

    /// <inheritdoc/>
    public async Task<JobRecord?> GetJobAsync(string id, CancellationToken cancellationToken = default) =>
        (await QueryJobsAsync("WHERE id = @id", [("id", id)], cancellationToken).ConfigureAwait(false)).SingleOrDefault();

    /// <inheritdoc/>
    public Task<IReadOnlyList<JobRecord>> ListJobsAsync(CancellationToken cancellationToken = default) =>
        QueryJobsAsync("ORDER BY created DESC", [], cancellationToken);

    /// <inheritdoc/>
    public async Task SetJobStateAsync(string id, JobState state, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, "UPDATE jobs SET state = @state, finished = CASE WHEN @state = 'Running' THEN NULL ELSE now() END WHERE id = @id",
            [("id", id), ("state", state.ToString())], cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<bool> TryFinishJobAsync(string id, JobState state, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await ExecuteAsync(connection, "UPDATE jobs SET state = @state, finished = now() WHERE id = @id AND state = 'Running'",
            [("id", id), ("state", state.ToString())], cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc/>
    public async Task SyncTasksAsync(string jobId, IReadOnlyList<TaskItem> items, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, "SELECT 1 FROM jobs WHERE id = @job FOR UPDATE", [("job", jobId)], cancellationToken).ConfigureAwait(false);
        var existing = new Dictionary<string, (int Index, string Version)>(StringComparer.Ordinal);
        await using (var select = Command(connection, "SELECT input, idx, version FROM tasks WHERE job_id = @job", [("job", jobId)]))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                existing[reader.GetString(0)] = (reader.GetInt32(1), reader.GetString(2));
            }
        }

        var next = existing.Count == 0 ? 0 : existing.Values.Max(v => v.Index) + 1;
        var batch = new NpgsqlBatch(connection, transaction);
        foreach (var item in items)
        {
            if (!existing.Remove(item.Input, out var known))
            {
                batch.BatchCommands.Add(BatchCommand("INSERT INTO tasks (job_id, idx, input, output, version, state) VALUES (@job, @idx, @input, @output, @version, 'Pending')",
                    [("job", jobId), ("idx", next++), ("input", item.Input), ("output", item.Output), ("version", item.Version)]));
            }
            else if (known.Version != item.Version)
            {
                batch.BatchCommands.Add(BatchCommand("UPDATE tasks SET version = @version, output = @output, state = 'Pending', attempts = 0, error = NULL, stderr = NULL, not_before = '-infinity', reused = false WHERE job_id = @job AND idx = @idx",
                    [("job", jobId), ("idx", known.Index), ("output", item.Output), ("version", item.Version)]));
            }
        }

        foreach (var (_, gone) in existing)
        {
            batch.BatchCommands.Add(BatchCommand("DELETE FROM tasks WHERE job_id = @job AND idx = @idx", [("job", jobId), ("idx", gone.Index)]));
        }

        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await batch.DisposeAsync().ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task ReleaseRunningAsync(string jobId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection,
            "UPDATE tasks SET state = 'Pending', attempts = GREATEST(attempts - 1, 0), owner = NULL, lease_expires = NULL WHERE job_id = @job AND state = 'Running'",
            [("job", jobId)], cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task<TaskLease?> ClaimAsync(string jobId, string owner, TimeSpan lease, CancellationToken cancellationToken = default) =>
        ClaimWhereAsync("t.job_id = @job", [("job", jobId)], owner, lease, cancellationToken);

    /// <inheritdoc/>
    public Task<TaskLease?> ClaimAnyAsync(string owner, TimeSpan lease, CancellationToken cancellationToken = default) =>
        ClaimWhereAsync("t.job_id IN (SELECT id FROM jobs WHERE state = 'Running')", [], owner, lease, cancellationToken);

    /// <inheritdoc/>
    public async Task<bool> RenewAsync(TaskLease lease, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await ExecuteAsync(connection, """
            UPDATE tasks SET lease_expires = now() + @duration
            WHERE job_id = @job AND idx = @idx AND attempts = @attempt AND owner = @owner AND state = 'Running'
              AND EXISTS (SELECT 1 FROM jobs WHERE id = @job AND state = 'Running')
            """, [.. Fence(lease), ("duration", duration)], cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc/>
    public async Task<bool> CompleteAsync(TaskLease lease, TaskOutcome outcome, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(outcome);
        // One statement, so one round trip and atomic: the fenced update, and the result's content key recorded only if
        // the update took.
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var updated = await ScalarAsync(connection, """
            WITH done AS (
                UPDATE tasks SET state = @state, error = @error, stderr = @stderr, duration_ms = @duration, reused = @reused,
                                 not_before = CASE WHEN @delay::interval IS NULL THEN '-infinity'::timestamptz ELSE now() + @delay::interval END,
                                 owner = NULL, lease_expires = NULL
                WHERE job_id = @job AND idx = @idx AND attempts = @attempt AND owner = @owner AND state = 'Running'
                RETURNING output),
            recorded AS (
                INSERT INTO results (content_key, output) SELECT @key::text, output FROM done WHERE @key::text IS NOT NULL
                ON CONFLICT (content_key) DO UPDATE SET output = excluded.output)
            SELECT count(*)::int FROM done
            """,
            [.. Fence(lease), ("state", outcome.State.ToString()), ("error", outcome.Error), ("stderr", outcome.Stderr),
             ("duration", outcome.Duration.TotalMilliseconds), ("reused", outcome.Reused), ("delay", (object?)outcome.RetryDelay),
             ("key", outcome.ContentKey)], cancellationToken).ConfigureAwait(false) is 1;
        return updated;
    }

    /// <inheritdoc/>
    public async Task ReleaseAsync(TaskLease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection,
            "UPDATE tasks SET state = 'Pending', attempts = attempts - 1, owner = NULL, lease_expires = NULL WHERE job_id = @job AND idx = @idx AND attempts = @attempt AND owner = @owner AND state = 'Running'",
            Fence(lease), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<JobCounts> GetCountsAsync(string jobId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, "SELECT state, count(*)::int FROM tasks WHERE job_id = @job GROUP BY state", [("job", jobId)]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await TaskRows.ReadCountsAsync(reader, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<TaskRecord>> GetTasksAsync(string jobId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection,
            $"SELECT {TaskRows.TaskColumns} FROM tasks WHERE job_id = @job ORDER BY idx", [("job", jobId)]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await TaskRows.ReadTasksAsync(jobId, reader, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyDictionary<string, string>> FindResultsAsync(IReadOnlyCollection<string> contentKeys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(contentKeys);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, "SELECT content_key, output FROM results WHERE content_key = ANY(@keys)", [("keys", contentKeys.ToArray())]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            found[reader.GetString(0)] = reader.GetString(1);
        }

        return found;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyDictionary<string, InputHash>> GetInputHashesAsync(string prefix, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, "SELECT input, version, hash FROM input_hashes WHERE starts_with(input, @prefix)", [("prefix", prefix)]);
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
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        foreach (var h in hashes)
        {
            batch.BatchCommands.Add(BatchCommand("INSERT INTO input_hashes (input, version, hash) VALUES (@input, @version, @hash) ON CONFLICT (input) DO UPDATE SET version = excluded.version, hash = excluded.hash",
                [("input", h.Input), ("version", h.Version), ("hash", h.Hash)]));
        }

        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Closes the connection pool.</summary>
    public ValueTask DisposeAsync() => dataSource.DisposeAsync();

    private async Task<TaskLease?> ClaimWhereAsync(
        string condition, (string, object?)[] parameters, string owner, TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, $"""
            UPDATE tasks t SET state = 'Running', attempts = t.attempts + 1, owner = @owner, lease_expires = now() + @lease
            FROM (SELECT job_id, idx FROM tasks t
                  WHERE {condition}
                    AND ((t.state = 'Pending' AND t.not_before <= now()) OR (t.state = 'Running' AND t.lease_expires < now()))
                  ORDER BY t.job_id, t.idx LIMIT 1 FOR UPDATE SKIP LOCKED) c
            WHERE t.job_id = c.job_id AND t.idx = c.idx
            RETURNING t.job_id, t.idx, t.input, t.output, t.attempts, t.lease_expires
            """, [.. parameters, ("owner", owner), ("lease", lease)]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new TaskLease(reader.GetString(0), reader.GetInt32(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4), owner, reader.GetFieldValue<DateTimeOffset>(5))
            : null;
    }

    private async Task<IReadOnlyList<JobRecord>> QueryJobsAsync(string where, (string, object?)[] parameters, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, $"SELECT id, spec, state, created, finished FROM jobs {where}", parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var jobs = new List<JobRecord>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            jobs.Add(new JobRecord(reader.GetString(0), JobSpecParser.FromJson(System.Text.Json.Nodes.JsonNode.Parse(reader.GetString(1))),
                Enum.Parse<JobState>(reader.GetString(2)), reader.GetFieldValue<DateTimeOffset>(3), reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4)));
        }

        return jobs;
    }

    private static (string, object?)[] Fence(TaskLease lease) =>
        [("job", lease.JobId), ("idx", lease.Index), ("attempt", lease.Attempt), ("owner", lease.Owner)];

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, IEnumerable<(string Name, object? Value)> parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private static NpgsqlBatchCommand BatchCommand(string sql, IEnumerable<(string Name, object? Value)> parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql, IEnumerable<(string Name, object? Value)> parameters, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, IEnumerable<(string Name, object? Value)> parameters, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, sql, parameters);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }
}
