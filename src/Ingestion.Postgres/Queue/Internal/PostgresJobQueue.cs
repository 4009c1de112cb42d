using Ingestion.Postgres.Internal;
using Ingestion.Queue.Internal;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Ingestion.Postgres.Queue.Internal;

/// <summary>
/// The job queue on PostgreSQL. The hot <c>jobs</c> table holds only unfinished jobs; a finished job moves to
/// <c>job_history</c> in the statement that finishes it. Claims take batches with <c>FOR UPDATE SKIP LOCKED</c> from a partial
/// index over pending rows; every change after a claim is compare-and-set on the lease token. Times that decide leases and
/// runnability come from the injected <see cref="TimeProvider"/>, not the database clock.
/// </summary>
internal sealed partial class PostgresJobQueue : IJobQueue, IAsyncDisposable, IDisposable
{
    private const string JobColumns =
        "id, job_type, payload::text, priority, run_at, attempts, max_attempts, dedup_key, last_error, last_error_details, enqueued_at";

    private readonly PostgresStoreContext _context;
    private readonly PostgresQueueOptions _options;
    private readonly JobNotifications _notifications;
    private readonly KeptConnections _connections;
    private readonly ILogger _logger;
    private readonly string _channel;
    private readonly string _enqueueSql;
    private readonly string _claimSql;
    private readonly string _completeSql;
    private readonly string _retrySql;
    private readonly string _deadSql;

    public PostgresJobQueue(PostgresStoreContext context)
    {
        _context = context;
        _options = context.Options.Queue;
        _channel = (context.Options.Schema.Length <= 58 ? context.Options.Schema : context.Options.Schema[..58]) + "_jobs";
        _logger = context.LoggerFactory.CreateLogger<PostgresJobQueue>();
        _notifications = new JobNotifications(context, _channel, _logger);
        _connections = new KeptConnections(context);
        var s = context.Schema;

        // The no-op update on conflict returns the existing job's id; xmax <> 0 tells it was not inserted now.
        _enqueueSql = $"""
            INSERT INTO {s}.jobs (job_type, payload, priority, run_at, max_attempts, dedup_key, enqueued_at)
            SELECT u.job_type, u.payload::json, u.priority, u.run_at, u.max_attempts, u.dedup_key, $8
              FROM unnest($1::text[], $2::text[], $3::integer[], $4::timestamptz[], $5::integer[], $6::text[], $7::integer[])
                   AS u(job_type, payload, priority, run_at, max_attempts, dedup_key, ord)
             ORDER BY u.ord
            ON CONFLICT (dedup_key) WHERE dedup_key IS NOT NULL DO UPDATE SET dedup_key = excluded.dedup_key
            RETURNING id, dedup_key, (xmax::text <> '0') AS deduplicated
            """;
        // The claim's and the completion's plans must not depend on the batch size or on statistics, which a queue table
        // outgrows within seconds (taken while it was nearly empty, they made a claim of 100 sort every pending row and a
        // completion of 100 visit every running row's page). Every parameter the planner could look at reaches it through a
        // subquery, so a plan made for one call's values costs the same as the generic plan: PostgreSQL keeps the generic
        // plan of the prepared statement (no planning per call), and that plan walks the runnable index in order and finds
        // claimed or completed jobs through the primary key.
        _claimSql = $"""
            WITH picked AS MATERIALIZED (
                SELECT id FROM {s}.jobs
                 WHERE status = 'pending' AND run_at <= (SELECT $1::timestamptz)
                   AND ((SELECT $5::text[]) IS NULL OR job_type = ANY ((SELECT $5::text[])::text[]))
                   AND ((SELECT $6::text[]) IS NULL OR job_type <> ALL ((SELECT $6::text[])::text[]))
                 ORDER BY priority DESC, run_at, id
                 LIMIT (SELECT $2::integer)
                 FOR UPDATE SKIP LOCKED
            )
            UPDATE {s}.jobs j
               SET status = 'running', attempts = j.attempts + 1, lease_token = gen_random_uuid(),
                   lease_expires_at = $1 + $3, locked_by = $4, started_at = $1
             WHERE j.id = ANY (ARRAY(SELECT id FROM picked))
            RETURNING j.id, j.job_type, j.payload::text, j.attempts, j.max_attempts, j.lease_token, j.lease_expires_at,
                      j.dedup_key, j.enqueued_at, j.priority, j.run_at
            """;

        // A matching lease token means the job is running: every way back to pending clears it.
        _completeSql = $"""
            WITH done AS (
                DELETE FROM {s}.jobs j
                 USING unnest((SELECT $1::bigint[]), (SELECT $2::uuid[]), (SELECT $3::text[])) AS c(id, token, result)
                 WHERE j.id = ANY ((SELECT $1::bigint[])::bigint[]) AND j.id = c.id AND j.lease_token = c.token
                RETURNING j.*, c.result
            )
            INSERT INTO {s}.job_history (id, job_type, payload, priority, status, run_at, attempts, max_attempts, dedup_key, locked_by,
                                         started_at, last_error, last_error_details, enqueued_at, finished_at, result)
            SELECT id, job_type, payload, priority, 'completed', run_at, attempts, max_attempts, dedup_key, locked_by,
                   started_at, last_error, last_error_details, enqueued_at, $4, result::json
              FROM done
            """;
        _retrySql = $"""
            UPDATE {s}.jobs
               SET status = 'pending', run_at = $3, lease_token = NULL, lease_expires_at = NULL, locked_by = NULL,
                   last_error = $4, last_error_details = $5
             WHERE id = $1 AND lease_token = $2 AND status = 'running'
            """;
        _deadSql = MoveToHistorySql(s, "j.id = $1 AND j.lease_token = $2 AND j.status = 'running'", "'dead'", "$4", "$5", "$3");
    }

    /// <summary>The connections kept between claims (for tests).</summary>
    internal KeptConnections KeptConnections => _connections;

    /// <summary>The claim statement (for the benchmark's profile).</summary>
    internal string ClaimSql => _claimSql;

    /// <summary>The completion statement (for the benchmark's profile).</summary>
    internal string CompleteSql => _completeSql;

    /// <summary>The planner settings every claim runs under (for the benchmark's profile).</summary>
    internal string? ClaimSettingsSql => ClaimPlannerSettings;

    /// <summary>Whether the claim and the completion run as prepared statements.</summary>
    internal bool PreparesStatements => _options.UsePreparedStatements;

    /// <summary>A statement that moves the matching jobs to the history with a final status, in one step.</summary>
    private static string MoveToHistorySql(string s, string condition, string status, string error, string details, string finishedAt) => $"""
        WITH moved AS (
            DELETE FROM {s}.jobs j WHERE {condition}
            RETURNING j.*
        )
        INSERT INTO {s}.job_history (id, job_type, payload, priority, status, run_at, attempts, max_attempts, dedup_key, locked_by,
                                     started_at, last_error, last_error_details, enqueued_at, finished_at)
        SELECT id, job_type, payload, priority, {status}, run_at, attempts, max_attempts, dedup_key, locked_by,
               started_at, coalesce({error}, last_error), coalesce({details}, last_error_details), enqueued_at, {finishedAt}
          FROM moved
        """;

    public async ValueTask<EnqueueResult> EnqueueAsync(JobRequest job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var results = await EnqueueManyAsync([job], cancellationToken).ConfigureAwait(false);
        return results[0];
    }

    public async ValueTask<IReadOnlyList<EnqueueResult>> EnqueueManyAsync(IReadOnlyList<JobRequest> jobs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        if (jobs.Count == 0)
        {
            return [];
        }

        await using var connection = await _context.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await EnqueueAsync(connection, transaction: null, jobs, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Enqueues on the caller's connection, inside the caller's transaction when one is given (it commits or rolls back with it).</summary>
    public async ValueTask<IReadOnlyList<EnqueueResult>> EnqueueAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyList<JobRequest> jobs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(jobs);
        await _context.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        var now = _context.Time.GetUtcNow();
        var results = new EnqueueResult[jobs.Count];
        var batchSize = _context.Options.BatchSize;

        // Jobs sharing a dedup key within one call collapse onto the first, as if enqueued one after another.
        var firstWithKey = new Dictionary<string, int>(StringComparer.Ordinal);
        var duplicateOf = new int[jobs.Count];
        for (var offset = 0; offset < jobs.Count; offset += batchSize)
        {
            var count = Math.Min(batchSize, jobs.Count - offset);
            var types = new List<string>(count);
            var payloads = new List<string>(count);
            var priorities = new List<int>(count);
            var runAts = new List<DateTimeOffset>(count);
            var maxAttempts = new List<int>(count);
            var dedupKeys = new List<string?>(count);
            var ordinals = new List<int>(count);
            for (var index = offset; index < offset + count; index++)
            {
                var job = jobs[index] ?? throw new ArgumentException($"The job at index {index} is null.", nameof(jobs));
                JobQueueArguments.Validate(job, index);
                duplicateOf[index] = -1;
                if (job.DedupKey is { } dedup)
                {
                    if (firstWithKey.TryGetValue(dedup, out var first))
                    {
                        duplicateOf[index] = first;
                        continue;
                    }

                    firstWithKey[dedup] = index;
                }

                types.Add(job.JobType);
                payloads.Add(PostgresText.Clean(job.Payload));
                priorities.Add(job.Priority);
                runAts.Add(job.RunAt ?? now);
                maxAttempts.Add(job.MaxAttempts);
                dedupKeys.Add(PostgresText.CleanOrNull(job.DedupKey));
                ordinals.Add(index);
            }

            if (ordinals.Count == 0)
            {
                continue;
            }

            await using var batch = new NpgsqlBatch(connection, transaction) { Timeout = _context.CommandTimeoutSeconds };
            var insert = new NpgsqlBatchCommand(_enqueueSql);
            insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. types] });
            insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. payloads] });
            insert.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. priorities] });
            insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. runAts] });
            insert.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. maxAttempts] });
            insert.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. dedupKeys] });
            insert.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. ordinals] });
            insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
            batch.BatchCommands.Add(insert);

            // One notification per statement, delivered when the enqueue commits.
            if (_options.UseNotifications)
            {
                var notify = new NpgsqlBatchCommand("SELECT pg_notify($1, '')");
                notify.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _channel });
                batch.BatchCommands.Add(notify);
            }

            // RETURNING follows the insert order (ORDER BY ord), which maps rows back to the requests.
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var row = 0;
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                results[ordinals[row]] = new EnqueueResult(reader.GetInt64(0), reader.GetBoolean(2));
                row++;
            }
        }

        for (var index = 0; index < jobs.Count; index++)
        {
            if (duplicateOf[index] >= 0)
            {
                results[index] = new EnqueueResult(results[duplicateOf[index]].JobId, Deduplicated: true);
            }
        }

        return results;
    }

    public async ValueTask<bool> ExtendLeaseAsync(long jobId, Guid leaseToken, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        if (leaseDuration <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(leaseDuration), leaseDuration, "The lease duration must be positive.");
        }

        var now = _context.Time.GetUtcNow();
        await using var connection = await _context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _context.Command(
            $"UPDATE {_context.Schema}.jobs SET lease_expires_at = $3 WHERE id = $1 AND lease_token = $2 AND status = 'running'", connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = jobId });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = leaseToken });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now + leaseDuration });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public async ValueTask<bool> FailAsync(long jobId, Guid leaseToken, JobFailure failure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var now = _context.Time.GetUtcNow();
        await using var connection = await _context.OpenAsync(cancellationToken).ConfigureAwait(false);

        // The attempt number decides the backoff. Reading it without a lock is safe: the token changes on every claim, so the
        // compare-and-set below refuses the change if the job was claimed again in between.
        int attempts, maxAttempts;
        await using (var read = _context.Command(
            $"SELECT attempts, max_attempts FROM {_context.Schema}.jobs WHERE id = $1 AND lease_token = $2 AND status = 'running'", connection))
        {
            read.Parameters.Add(new NpgsqlParameter<long> { TypedValue = jobId });
            read.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = leaseToken });
            await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            attempts = reader.GetInt32(0);
            maxAttempts = reader.GetInt32(1);
        }

        var dead = failure.Permanent || attempts >= maxAttempts;
        await using var command = _context.Command(dead ? _deadSql : _retrySql, connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = jobId });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = leaseToken });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = dead ? now : failure.RetryAt ?? now + Backoff(attempts) });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = PostgresText.Clean(failure.Error ?? string.Empty) });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)PostgresText.CleanOrNull(failure.Details) ?? DBNull.Value });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>The delay before the next attempt after <paramref name="attempt"/> failed.</summary>
    internal TimeSpan Backoff(int attempt) => JobBackoff.Delay(attempt, _options.BackoffBase, _options.MaxBackoff, _options.Backoff);

    public async ValueTask<bool> ReleaseAsync(long jobId, Guid leaseToken, CancellationToken cancellationToken)
    {
        await using var connection = await _context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _context.Command(
            $"""
            UPDATE {_context.Schema}.jobs
               SET status = 'pending', attempts = greatest(attempts - 1, 0), lease_token = NULL, lease_expires_at = NULL, locked_by = NULL
             WHERE id = $1 AND lease_token = $2 AND status = 'running'
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = jobId });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = leaseToken });
        var released = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        if (released && _options.UseNotifications)
        {
            await NotifyAsync(connection, cancellationToken).ConfigureAwait(false);
        }

        return released;
    }

    public async ValueTask<bool> CancelAsync(long jobId, CancellationToken cancellationToken)
    {
        await using var connection = await _context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _context.Command(
            MoveToHistorySql(_context.Schema, "j.id = $1", "'cancelled'", "NULL::text", "NULL::text", "$2"), connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = jobId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = _context.Time.GetUtcNow() });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public async ValueTask<int> RescueExpiredLeasesAsync(CancellationToken cancellationToken)
    {
        var now = _context.Time.GetUtcNow();
        var s = _context.Schema;
        await using var connection = await _context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection) { Timeout = _context.CommandTimeoutSeconds };

        // Compare-and-set on the expiry: a job whose lease was extended or finished meanwhile is left alone.
        var exhausted = new NpgsqlBatchCommand(MoveToHistorySql(
            s,
            "j.status = 'running' AND j.lease_expires_at < $1 AND j.attempts >= j.max_attempts",
            "'dead'",
            "'The lease expired on the last attempt (the worker stopped or hung).'",
            "NULL::text",
            "$1"));
        exhausted.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
        batch.BatchCommands.Add(exhausted);

        var rescued = new NpgsqlBatchCommand(
            $"""
            UPDATE {s}.jobs
               SET status = 'pending', lease_token = NULL, lease_expires_at = NULL, locked_by = NULL,
                   last_error = coalesce(last_error, 'The lease expired (the worker stopped or hung).')
             WHERE status = 'running' AND lease_expires_at < $1
            """);
        rescued.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
        batch.BatchCommands.Add(rescued);
        if (_options.UseNotifications)
        {
            var notify = new NpgsqlBatchCommand("SELECT pg_notify($1, '')");
            notify.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _channel });
            batch.BatchCommands.Add(notify);
        }

        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return (int)(batch.BatchCommands[0].RecordsAffected + batch.BatchCommands[1].RecordsAffected);
    }
}
