using Npgsql;

namespace Ingestion.Postgres.Storage.Internal;

/// <summary>
/// Partial records that repeat the key's last failure (same message, status and content, and that failure still the key's
/// newest version) are verified instead of versioned: a source that fails the same way every few minutes for a week keeps
/// one partial version, while the retry state moves on as it would for a new one.
/// </summary>
internal sealed partial class PostgresRawStore
{
    // Read by the classification for partial writes only: the key's last failure, and the content hash of the version that
    // holds it (the latest when it is partial, else the newest version when that is a partial kept behind good data).
    private static string RepeatedFailureColumns(string s) => $"""
        CASE WHEN u.is_partial THEN k.error_message END AS failure_message,
        CASE WHEN u.is_partial THEN k.http_status_code END AS failure_status,
        CASE WHEN u.is_partial AND k.latest_is_partial THEN k.hash
             WHEN u.is_partial AND k.error_message IS NOT NULL AND k.max_version > k.latest_version THEN
                  (SELECT r.hash FROM {s}.raw_records r
                    WHERE r.source = $1 AND r.stream = $2 AND r.key = u.key AND r.version = k.max_version AND r.is_partial) END AS failure_hash,
        CASE WHEN u.is_partial AND k.latest_is_partial THEN k.hash_algorithm
             WHEN u.is_partial AND k.error_message IS NOT NULL AND k.max_version > k.latest_version THEN
                  (SELECT r.hash_algorithm FROM {s}.raw_records r
                    WHERE r.source = $1 AND r.stream = $2 AND r.key = u.key AND r.version = k.max_version AND r.is_partial) END AS failure_algorithm
        """;

    // Columns 6 to 9 of the classification.
    private static bool RepeatsLastFailure(NpgsqlDataReader reader, RawRecordWrite record) =>
        !reader.IsDBNull(6) && !reader.IsDBNull(8)
        && string.Equals(reader.GetString(6), Postgres.Internal.PostgresText.CleanOrNull(record.ErrorMessage), StringComparison.Ordinal)
        && (reader.IsDBNull(7) ? null : reader.GetInt32(7)) == record.HttpStatusCode
        && new ContentHash(ParseAlgorithm(reader.GetString(9)), reader.GetFieldValue<byte[]>(8)) == record.Hash;

    private async Task VerifyRepeatedFailuresAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, RawBatch batch, RepeatedFailures repeated, CancellationToken cancellationToken)
    {
        await using var verify = _context.Command(
            $"""
            UPDATE {_context.Schema}.record_keys k
               SET last_seen_at     = $3,
                   last_verified_at = CASE WHEN k.latest_is_partial THEN $3 ELSE k.last_verified_at END,
                   deleted_at       = CASE WHEN k.latest_is_partial THEN NULL ELSE k.deleted_at END,
                   retry_count      = CASE WHEN u.retry_status = 'pending' AND k.retry_status = 'pending' THEN k.retry_count
                                           WHEN u.retry_status = 'pending' THEN 0 ELSE k.retry_count END,
                   next_retry_at    = CASE WHEN u.retry_status = 'pending' AND k.retry_status = 'pending' THEN k.next_retry_at
                                           WHEN u.retry_status = 'pending' THEN $3 END,
                   retry_status     = u.retry_status,
                   retry_request    = u.retry_request
              FROM unnest($4::text[], $5::text[], $6::text[]) AS u(key, retry_status, retry_request)
             WHERE k.source = $1 AND k.stream = $2 AND k.key = u.key AND k.key = ANY ($4)
            """,
            connection,
            transaction);
        AddStreamAt(verify.Parameters, batch.Stream.Source, batch.Stream.Stream, batch.FetchedAt);
        repeated.AddParameters(verify.Parameters);
        await verify.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Keys whose partial write repeats their last failure, with the retry state it brings, as arrays.</summary>
    private sealed class RepeatedFailures
    {
        private readonly List<string> _keys = [];
        private readonly List<string> _retryStatus = [];
        private readonly List<string?> _retryRequest = [];

        public int Count => _keys.Count;

        public void Add(RawRecordWrite record)
        {
            _keys.Add(Postgres.Internal.PostgresKey.Stored(record.Key));
            _retryStatus.Add(record.IsRetryable ? "pending" : "failed");
            _retryRequest.Add(Postgres.Internal.PostgresText.CleanOrNull(record.RetryRequest));
        }

        public void AddParameters(NpgsqlParameterCollection parameters)
        {
            parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. _keys] });
            parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. _retryStatus] });
            parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. _retryRequest] });
        }
    }
}
