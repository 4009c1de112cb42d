using Ingestion.Postgres.Internal;
using Npgsql;

namespace Ingestion.Postgres.Storage.Internal;

/// <summary>
/// Retention in PostgreSQL. Each statement is its own short transaction over at most <see cref="RetentionOptions.BatchSize"/>
/// rows (or keys): row locks are brief, nothing is rewritten, and a writer never waits long. Superseded versions are found by
/// walking <c>record_keys</c> in primary-key order, so each key is visited once however large the table.
/// </summary>
internal sealed class PostgresRetention(PostgresStoreContext context) : IStoreRetention
{
    public async ValueTask<RetentionResult> ApplyRetentionAsync(RetentionOptions options, bool dryRun, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1);
        await context.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        var now = context.Time.GetUtcNow();
        await using var connection = await context.OpenAsync(cancellationToken).ConfigureAwait(false);
        long versions = 0, deletedKeys = 0;

        // The store-wide rules hold for every source without an override of its own; each override is applied to its source.
        var overridden = options.Sources.Keys.ToArray();
        foreach (var (filter, parameter, rules) in overridden.Select(source => ("k.source = $4", (object)source, options.For(source)))
                     .Append(("NOT (k.source = ANY($4))", overridden, options.For(null))))
        {
            if (rules.RemovesVersions)
            {
                versions += await SupersededVersionsAsync(connection, filter, parameter, rules, now, options.BatchSize, dryRun, cancellationToken).ConfigureAwait(false);
            }

            if (rules.DeletedKeysMaxAge is { } deletedAge && !rules.KeepEverything)
            {
                deletedKeys += await DeletedKeysAsync(connection, filter, parameter, now - deletedAge, options.BatchSize, dryRun, cancellationToken).ConfigureAwait(false);
            }
        }

        var s = context.Schema;
        return new RetentionResult
        {
            DryRun = dryRun,
            SupersededVersions = versions,
            DeletedKeys = deletedKeys,
            Runs = await RowsAsync(connection, $"{s}.runs", "run_id", "completed_at IS NOT NULL AND started_at < $1", now - options.RunLogMaxAge, options.BatchSize, dryRun, cancellationToken).ConfigureAwait(false),
            RetryLogEntries = await RowsAsync(connection, $"{s}.retry_log", "id", "attempted_at < $1", now - options.RetryLogMaxAge, options.BatchSize, dryRun, cancellationToken).ConfigureAwait(false),
            WebhookDeliveries = await RowsAsync(connection, $"{s}.webhook_inbox", "id", "processed_at IS NOT NULL AND received_at < $1", now - options.WebhookInboxMaxAge, options.BatchSize, dryRun, cancellationToken).ConfigureAwait(false),
        };
    }

    private async Task<long> SupersededVersionsAsync(
        NpgsqlConnection connection, string filter, object sources, SourceRetention rules, DateTimeOffset now, int batchSize, bool dryRun, CancellationToken cancellationToken)
    {
        var s = context.Schema;

        // Versions below the latest are consecutive, so "beyond the newest K superseded" is "below latest_version - K".
        var doomed = "NOT r.is_latest AND r.version < k.latest_version - $6"
            + (rules.SupersededVersionsMaxAge is null ? "" : " AND coalesce(r.superseded_verified_at, r.fetched_at) < $7");
        var action = dryRun
            ? $"SELECT 1 FROM {s}.raw_records r JOIN batch_keys k USING (source, stream, key) WHERE {doomed}"
            : $"DELETE FROM {s}.raw_records r USING batch_keys k WHERE r.source = k.source AND r.stream = k.stream AND r.key = k.key AND {doomed} RETURNING 1";
        var sql = $"""
            WITH batch_keys AS (
                SELECT k.source, k.stream, k.key, k.latest_version
                  FROM {s}.record_keys k
                 WHERE (k.source, k.stream, k.key) > ($1, $2, $3) AND {filter}
                 ORDER BY k.source, k.stream, k.key
                 LIMIT $5),
            doomed AS ({action})
            SELECT (SELECT count(*) FROM doomed), last.source, last.stream, last.key
              FROM (SELECT source, stream, key FROM batch_keys ORDER BY source DESC, stream DESC, key DESC LIMIT 1) last
            """;
        long total = 0;
        (string Source, string Stream, string Key) after = ("", "", "");
        while (true)
        {
            await using var command = context.Command(sql, connection);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = after.Source });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = after.Stream });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = after.Key });
            command.Parameters.Add(new NpgsqlParameter { Value = sources });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = batchSize });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = rules.VersionsKept });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now - (rules.SupersededVersionsMaxAge ?? TimeSpan.Zero) });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return total;
            }

            total += reader.GetInt64(0);
            after = (reader.GetString(1), reader.GetString(2), reader.GetString(3));
        }
    }

    private async Task<long> DeletedKeysAsync(
        NpgsqlConnection connection, string filter, object sources, DateTimeOffset before, int batchSize, bool dryRun, CancellationToken cancellationToken)
    {
        var s = context.Schema;
        var sql = dryRun
            ? $"SELECT count(*) FROM {s}.record_keys k WHERE k.deleted_at < $1 AND {filter.Replace("$4", "$2", StringComparison.Ordinal)}"
            : $"""
              WITH doomed AS (
                  SELECT k.source, k.stream, k.key FROM {s}.record_keys k
                   WHERE k.deleted_at < $1 AND {filter.Replace("$4", "$2", StringComparison.Ordinal)}
                   LIMIT $3
                   FOR UPDATE SKIP LOCKED),
              versions AS (DELETE FROM {s}.raw_records r USING doomed d WHERE r.source = d.source AND r.stream = d.stream AND r.key = d.key),
              retries AS (DELETE FROM {s}.retry_log l USING doomed d WHERE l.source = d.source AND l.stream = d.stream AND l.key = d.key)
              DELETE FROM {s}.record_keys k USING doomed d WHERE k.source = d.source AND k.stream = d.stream AND k.key = d.key
              """;
        return await RepeatAsync(connection, sql, command =>
        {
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = before });
            command.Parameters.Add(new NpgsqlParameter { Value = sources });
            if (!dryRun)
            {
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = batchSize });
            }
        }, dryRun, cancellationToken).ConfigureAwait(false);
    }

    private async Task<long> RowsAsync(
        NpgsqlConnection connection, string table, string id, string condition, DateTimeOffset? before, int batchSize, bool dryRun, CancellationToken cancellationToken)
    {
        if (before is not { } cutoff)
        {
            return 0;
        }

        var sql = dryRun
            ? $"SELECT count(*) FROM {table} WHERE {condition}"
            : $"DELETE FROM {table} WHERE {id} IN (SELECT {id} FROM {table} WHERE {condition} LIMIT $2 FOR UPDATE SKIP LOCKED)";
        return await RepeatAsync(connection, sql, command =>
        {
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = cutoff });
            if (!dryRun)
            {
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = batchSize });
            }
        }, dryRun, cancellationToken).ConfigureAwait(false);
    }

    // A dry run counts once; a removal repeats its batch until a batch removes nothing.
    private async Task<long> RepeatAsync(NpgsqlConnection connection, string sql, Action<NpgsqlCommand> bind, bool dryRun, CancellationToken cancellationToken)
    {
        long total = 0;
        while (true)
        {
            await using var command = context.Command(sql, connection);
            bind(command);
            if (dryRun)
            {
                return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            }

            var removed = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            total += removed;
            if (removed == 0)
            {
                return total;
            }
        }
    }
}
