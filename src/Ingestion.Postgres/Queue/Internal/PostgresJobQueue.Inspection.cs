using Ingestion.Postgres.Internal;
using Ingestion.Queue.Internal;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Ingestion.Postgres.Queue.Internal;

/// <summary>Reading one job and the queue statistics.</summary>
internal sealed partial class PostgresJobQueue
{
    public async ValueTask<JobInfo?> GetAsync(long jobId, CancellationToken cancellationToken)
    {
        var s = _context.Schema;
        await using var connection = await _context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _context.Command(
            $"""
            SELECT {JobColumns}, status, NULL::timestamptz, NULL::text, locked_by FROM {s}.jobs WHERE id = $1
            UNION ALL
            SELECT {JobColumns}, status, finished_at, result::text, locked_by FROM {s}.job_history WHERE id = $1
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = jobId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return ReadJob(reader);
    }

    // Reads the columns JobColumns names, then status, finished_at, result and locked_by.
    private static JobInfo ReadJob(NpgsqlDataReader reader) => new()
    {
        Id = reader.GetInt64(0),
        JobType = reader.GetString(1),
        Payload = reader.GetString(2),
        Priority = reader.GetInt32(3),
        RunAt = reader.GetFieldValue<DateTimeOffset>(4),
        Attempts = reader.GetInt32(5),
        MaxAttempts = reader.GetInt32(6),
        DedupKey = reader.IsDBNull(7) ? null : reader.GetString(7),
        LastError = reader.IsDBNull(8) ? null : reader.GetString(8),
        LastErrorDetails = reader.IsDBNull(9) ? null : reader.GetString(9),
        EnqueuedAt = reader.GetFieldValue<DateTimeOffset>(10),
        Status = ParseStatus(reader.GetString(11)),
        FinishedAt = reader.IsDBNull(12) ? null : reader.GetFieldValue<DateTimeOffset>(12),
        Result = reader.IsDBNull(13) ? null : reader.GetString(13),
        LockedBy = reader.IsDBNull(14) ? null : reader.GetString(14),
    };

    private static JobStatus ParseStatus(string status) => status switch
    {
        "pending" => JobStatus.Pending,
        "running" => JobStatus.Running,
        "completed" => JobStatus.Completed,
        "dead" => JobStatus.Dead,
        _ => JobStatus.Cancelled,
    };

    public async ValueTask<QueueStats> GetStatsAsync(CancellationToken cancellationToken)
    {
        var s = _context.Schema;
        var now = _context.Time.GetUtcNow();
        await using var connection = await _context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection) { Timeout = _context.CommandTimeoutSeconds };
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            $"""
            SELECT job_type, status, count(*) FROM {s}.jobs GROUP BY job_type, status
            UNION ALL
            SELECT job_type, status, count(*) FROM {s}.job_history GROUP BY job_type, status
            """));
        var oldest = new NpgsqlBatchCommand($"SELECT min(enqueued_at) FROM {s}.jobs WHERE status = 'pending' AND run_at <= $1");
        oldest.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
        batch.BatchCommands.Add(oldest);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            $"""
            SELECT job_type, avg(extract(epoch FROM finished_at - started_at))::float8
              FROM {s}.job_history WHERE status = 'completed' AND started_at IS NOT NULL
             GROUP BY job_type
            """));

        var counts = new List<JobCount>();
        TimeSpan? oldestAge = null;
        var durations = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            counts.Add(new JobCount(reader.GetString(0), ParseStatus(reader.GetString(1)), reader.GetInt64(2)));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && !reader.IsDBNull(0))
        {
            var age = now - reader.GetFieldValue<DateTimeOffset>(0);
            oldestAge = age < TimeSpan.Zero ? TimeSpan.Zero : age;
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            durations[reader.GetString(0)] = TimeSpan.FromSeconds(reader.GetDouble(1));
        }

        counts.Sort(static (left, right) =>
        {
            var order = string.CompareOrdinal(left.JobType, right.JobType);
            return order != 0 ? order : left.Status.CompareTo(right.Status);
        });
        return new QueueStats { Counts = counts, OldestPendingAge = oldestAge, AverageDuration = durations };
    }
}
