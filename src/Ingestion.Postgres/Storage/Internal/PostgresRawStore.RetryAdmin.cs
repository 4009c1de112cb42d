using Ingestion.Postgres.Internal;
using Npgsql;

namespace Ingestion.Postgres.Storage.Internal;

/// <summary>What an operator does with retries: see the keys that gave up, and make waiting keys due now.</summary>
internal sealed partial class PostgresRawStore
{
    public async ValueTask<IReadOnlyList<RetryCandidate>> GetRetriesGivenUpAsync(int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        await using var connection = await _context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _context.Command(
            $"""
            SELECT source, stream, coalesce(full_key, key), retry_count, last_retry_at, retry_request, error_message, http_status_code
              FROM {_context.Schema}.record_keys
             WHERE retry_status = 'failed'
             ORDER BY last_retry_at DESC NULLS LAST, source COLLATE "C", stream COLLATE "C", key COLLATE "C"
             LIMIT $1
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        return await ReadCandidatesAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<int> MakeRetryDueAsync(StreamId stream, string? key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await _context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _context.Command(
            $"""
            UPDATE {_context.Schema}.record_keys
               SET next_retry_at = $4
             WHERE source = $1 AND stream = $2 AND ($3::text IS NULL OR key = $3)
               AND retry_status = 'pending' AND next_retry_at > $4
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream.Source });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream.Stream });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = key is null ? null : PostgresKey.Stored(key), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
