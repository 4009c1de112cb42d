using Npgsql;

namespace Ingestion.Postgres.Queue.Internal;

/// <summary>What an operator does with the queue: list jobs in one status, and requeue a dead job.</summary>
internal sealed partial class PostgresJobQueue
{
    public async ValueTask<IReadOnlyList<JobInfo>> GetJobsAsync(JobStatus status, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        var s = _context.Schema;
        var unfinished = status is JobStatus.Pending or JobStatus.Running;
        await using var connection = await _context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _context.Command(
            unfinished
                ? $"""
                  SELECT {JobColumns}, status, NULL::timestamptz, NULL::text, locked_by FROM {s}.jobs
                   WHERE status = $1 ORDER BY enqueued_at DESC, id DESC LIMIT $2
                  """
                : $"""
                  SELECT {JobColumns}, status, finished_at, result::text, locked_by FROM {s}.job_history
                   WHERE status = $1 ORDER BY enqueued_at DESC, id DESC LIMIT $2
                  """,
            connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = StatusText(status) });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        var jobs = new List<JobInfo>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            jobs.Add(ReadJob(reader));
        }

        return jobs;
    }

    public async ValueTask<bool> RequeueDeadAsync(long jobId, CancellationToken cancellationToken)
    {
        var s = _context.Schema;
        await using var connection = await _context.OpenAsync(cancellationToken).ConfigureAwait(false);

        // One statement moves the row back, so no reader ever sees the job in both tables or in neither. A job whose dedup
        // key an unfinished job holds stays dead; should one be enqueued concurrently, the unique index fails the whole
        // statement and the job stays dead too.
        await using var command = _context.Command(
            $"""
            WITH moved AS (
                DELETE FROM {s}.job_history h
                 WHERE h.id = $1 AND h.status = 'dead'
                   AND (h.dedup_key IS NULL OR NOT EXISTS (SELECT 1 FROM {s}.jobs j WHERE j.dedup_key = h.dedup_key))
                RETURNING h.id, h.job_type, h.payload, h.priority, h.max_attempts, h.dedup_key, h.last_error, h.last_error_details, h.enqueued_at
            )
            INSERT INTO {s}.jobs (id, job_type, payload, priority, status, run_at, attempts, max_attempts, dedup_key, last_error, last_error_details, enqueued_at)
            SELECT id, job_type, payload, priority, 'pending', $2, 0, max_attempts, dedup_key, last_error, last_error_details, enqueued_at FROM moved
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = jobId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = _context.Time.GetUtcNow() });
        int moved;
        try
        {
            moved = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return false;
        }

        if (moved == 0)
        {
            return false;
        }

        await NotifyAsync(connection, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static string StatusText(JobStatus status) => status switch
    {
        JobStatus.Pending => "pending",
        JobStatus.Running => "running",
        JobStatus.Completed => "completed",
        JobStatus.Dead => "dead",
        _ => "cancelled",
    };
}
