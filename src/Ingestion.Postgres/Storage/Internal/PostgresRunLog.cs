using System.Text;
using Ingestion.Postgres.Internal;
using Npgsql;
using NpgsqlTypes;

namespace Ingestion.Postgres.Storage.Internal;

/// <summary>The run log: one row per run, overwritten by its final report.</summary>
internal sealed class PostgresRunLog(PostgresStoreContext context) : IRunLog
{
    private const string Columns =
        "run_id, source, stream, status, started_at, completed_at, dry_run, requests, pages, records_fetched, records_new, " +
        "records_changed, records_unchanged, records_partial, records_deleted, watermark, issues, last_seen_at";

    public async ValueTask SaveAsync(SyncReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        await using var connection = await context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = context.Command(
            $"""
            INSERT INTO {context.Schema}.runs ({Columns})
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, coalesce($17, '[]'::jsonb), $18)
            ON CONFLICT (run_id) DO UPDATE
               SET source = excluded.source, stream = excluded.stream, status = excluded.status, started_at = excluded.started_at,
                   completed_at = excluded.completed_at, dry_run = excluded.dry_run, requests = excluded.requests, pages = excluded.pages,
                   records_fetched = excluded.records_fetched, records_new = excluded.records_new, records_changed = excluded.records_changed,
                   records_unchanged = excluded.records_unchanged, records_partial = excluded.records_partial,
                   records_deleted = excluded.records_deleted, watermark = excluded.watermark, issues = excluded.issues,
                   last_seen_at = excluded.last_seen_at
            """,
            connection);
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<Guid> { TypedValue = report.RunId });
        p.Add(new NpgsqlParameter<string> { TypedValue = report.Stream.Source });
        p.Add(new NpgsqlParameter<string> { TypedValue = report.Stream.Stream });
        p.Add(new NpgsqlParameter<string> { TypedValue = ToText(report.Status) });
        p.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = report.StartedAt });
        p.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = (object?)report.CompletedAt ?? DBNull.Value });
        p.Add(new NpgsqlParameter<bool> { TypedValue = report.DryRun });
        p.Add(new NpgsqlParameter<int> { TypedValue = report.Requests });
        p.Add(new NpgsqlParameter<int> { TypedValue = report.Pages });
        p.Add(new NpgsqlParameter<long> { TypedValue = report.RecordsFetched });
        p.Add(new NpgsqlParameter<long> { TypedValue = report.RecordsNew });
        p.Add(new NpgsqlParameter<long> { TypedValue = report.RecordsChanged });
        p.Add(new NpgsqlParameter<long> { TypedValue = report.RecordsUnchanged });
        p.Add(new NpgsqlParameter<long> { TypedValue = report.RecordsPartial });
        p.Add(new NpgsqlParameter<long> { TypedValue = report.RecordsDeleted });
        p.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)PostgresText.CleanOrNull(report.Watermark) ?? DBNull.Value });
        p.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = (object?)Storage.Internal.IssuesJson.Write(report.Issues) ?? DBNull.Value });
        p.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = (object?)report.LastSeenAt ?? DBNull.Value });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<SyncReport?> GetAsync(Guid runId, CancellationToken cancellationToken)
    {
        var reports = await QueryAsync("WHERE run_id = $1", command => command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = runId }), cancellationToken)
            .ConfigureAwait(false);
        return reports.Count == 0 ? null : reports[0];
    }

    public ValueTask<IReadOnlyList<SyncReport>> GetRecentAsync(StreamId? stream, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        if (stream is { } only)
        {
            return QueryAsync("WHERE source = $1 AND stream = $2 ORDER BY started_at DESC, run_id LIMIT $3", command =>
            {
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = only.Source });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = only.Stream });
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
            }, cancellationToken);
        }

        return QueryAsync("ORDER BY started_at DESC, run_id LIMIT $1", command => command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit }), cancellationToken);
    }

    public ValueTask<IReadOnlyList<SyncReport>> GetRunningAsync(CancellationToken cancellationToken) =>
        QueryAsync("WHERE status = 'running'", static _ => { }, cancellationToken);

    private async ValueTask<IReadOnlyList<SyncReport>> QueryAsync(string tail, Action<NpgsqlCommand> addParameters, CancellationToken cancellationToken)
    {
        await using var connection = await context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = context.Command($"SELECT {Columns.Replace("issues", "issues::text", StringComparison.Ordinal)} FROM {context.Schema}.runs {tail}", connection);
        addParameters(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var reports = new List<SyncReport>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var issues = Storage.Internal.IssuesJson.Read(Encoding.UTF8.GetBytes(reader.GetString(16)));
            reports.Add(new SyncReport
            {
                RunId = reader.GetGuid(0),
                Stream = new StreamId(reader.GetString(1), reader.GetString(2)),
                Status = FromText(reader.GetString(3)),
                StartedAt = reader.GetFieldValue<DateTimeOffset>(4),
                CompletedAt = reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
                DryRun = reader.GetBoolean(6),
                Requests = reader.GetInt32(7),
                Pages = reader.GetInt32(8),
                RecordsFetched = reader.GetInt64(9),
                RecordsNew = reader.GetInt64(10),
                RecordsChanged = reader.GetInt64(11),
                RecordsUnchanged = reader.GetInt64(12),
                RecordsPartial = reader.GetInt64(13),
                RecordsDeleted = reader.GetInt64(14),
                Watermark = reader.IsDBNull(15) ? null : reader.GetString(15),
                Issues = issues,
                LastSeenAt = reader.IsDBNull(17) ? null : reader.GetFieldValue<DateTimeOffset>(17),

                // The runner records a tripped guard as a SnapshotGuardTripped issue, which the issues column keeps.
                GuardTripped = issues.Any(issue => issue.Kind == IssueKind.SnapshotGuardTripped),
            });
        }

        return reports;
    }

    private static string ToText(RunStatus status) => status switch
    {
        RunStatus.Running => "running",
        RunStatus.Succeeded => "succeeded",
        RunStatus.Partial => "partial",
        RunStatus.Failed => "failed",
        RunStatus.Cancelled => "cancelled",
        RunStatus.Abandoned => "abandoned",
        _ => status.ToString().ToLowerInvariant(),
    };

    private static RunStatus FromText(string status) => status switch
    {
        "running" => RunStatus.Running,
        "succeeded" => RunStatus.Succeeded,
        "partial" => RunStatus.Partial,
        "failed" => RunStatus.Failed,
        "abandoned" => RunStatus.Abandoned,
        _ => RunStatus.Cancelled,
    };
}
