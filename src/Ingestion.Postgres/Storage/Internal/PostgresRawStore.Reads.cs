using System.Runtime.CompilerServices;
using Ingestion.Postgres.Internal;
using Npgsql;
using NpgsqlTypes;

namespace Ingestion.Postgres.Storage.Internal;

/// <summary>The raw store's reads, soft deletes and retry bookkeeping.</summary>
internal sealed partial class PostgresRawStore
{
    public async ValueTask<RawRecord?> GetLatestAsync(StreamId stream, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await _context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _context.Command(_selectRecordSql + " WHERE r.source = $1 AND r.stream = $2 AND r.key = $3 AND r.is_latest", connection);
        AddStream(command, stream);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = PostgresKey.Stored(key) });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadRecord(reader, stream) : null;
    }

    public IAsyncEnumerable<RawRecord> GetHistoryAsync(StreamId stream, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        return QueryAsync(
            _selectRecordSql + " WHERE r.source = $1 AND r.stream = $2 AND r.key = $3 ORDER BY r.version",
            stream,
            command => command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = PostgresKey.Stored(key) }),
            cancellationToken);
    }

    public IAsyncEnumerable<RawRecord> QueryLatestAsync(StreamId stream, RawRecordQuery? query, CancellationToken cancellationToken)
    {
        var sql = new System.Text.StringBuilder(_selectRecordSql).Append(" WHERE r.source = $1 AND r.stream = $2 AND r.is_latest");
        if (query is not { IncludeDeleted: true })
        {
            sql.Append(" AND k.deleted_at IS NULL");
        }

        // Each parameter is made anew for each command, so the sequence can be enumerated more than once.
        var parameters = new List<Func<NpgsqlParameter>>();
        string Next(Func<NpgsqlParameter> parameter)
        {
            parameters.Add(parameter);
            return "$" + (parameters.Count + 2).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (query?.FieldName is { } field)
        {
            var name = Next(() => new NpgsqlParameter<string> { TypedValue = field });
            sql.Append(query.FieldValue is { } value
                ? $" AND r.payload ->> {name} = {Next(() => new NpgsqlParameter<string> { TypedValue = value })}"
                : $" AND r.payload ->> {name} IS NULL AND r.payload ? {name}");
        }

        foreach (var match in query?.AlsoMatching ?? [])
        {
            var (fieldName, accepted) = (match.FieldName, match.Values.ToArray());
            var name = Next(() => new NpgsqlParameter<string> { TypedValue = fieldName });
            var values = Next(() => new NpgsqlParameter<string[]> { TypedValue = accepted });
            sql.Append($" AND r.payload ->> {name} = ANY({values})");
        }

        sql.Append(" ORDER BY r.key COLLATE \"C\"");
        return QueryAsync(sql.ToString(), stream, command =>
        {
            foreach (var parameter in parameters)
            {
                command.Parameters.Add(parameter());
            }
        }, cancellationToken);
    }

    public IAsyncEnumerable<RawRecord> GetChangedSinceAsync(StreamId stream, DateTimeOffset since, CancellationToken cancellationToken) =>
        QueryAsync(
            _selectRecordSql + " WHERE r.source = $1 AND r.stream = $2 AND r.is_latest AND r.fetched_at > $3 ORDER BY r.fetched_at, r.key COLLATE \"C\"",
            stream,
            command => command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = since }),
            cancellationToken);

    public async ValueTask<int> MarkMissingDeletedAsync(StreamId stream, DateTimeOffset seenSince, DateTimeOffset deletedAt, CancellationToken cancellationToken)
    {
        await using var connection = await _context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _context.Command(
            $"UPDATE {_context.Schema}.record_keys SET deleted_at = $4 WHERE source = $1 AND stream = $2 AND deleted_at IS NULL AND last_seen_at < $3",
            connection);
        AddStream(command, stream);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = seenSince });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = deletedAt });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<string>> ResolveMissingPartialsAsync(StreamId stream, DateTimeOffset seenSince, DateTimeOffset resolvedAt, CancellationToken cancellationToken)
    {
        await using var connection = await _context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _context.Command(
            $"""
            UPDATE {_context.Schema}.record_keys SET deleted_at = $4, retry_status = 'resolved', next_retry_at = NULL
             WHERE source = $1 AND stream = $2 AND deleted_at IS NULL AND latest_is_partial AND last_seen_at < $3
            RETURNING coalesce(full_key, key)
            """,
            connection);
        AddStream(command, stream);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = seenSince });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = resolvedAt });
        var keys = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            keys.Add(reader.GetString(0));
        }

        return keys;
    }

    public async ValueTask<long> CountLatestAsync(StreamId stream, CancellationToken cancellationToken)
    {
        await using var connection = await _context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _context.Command(
            $"SELECT count(*) FROM {_context.Schema}.record_keys WHERE source = $1 AND stream = $2 AND deleted_at IS NULL AND NOT latest_is_partial",
            connection);
        AddStream(command, stream);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async ValueTask<IReadOnlyList<RetryCandidate>> GetRecordsNeedingRetryAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        await using var connection = await _context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _context.Command(
            $"""
            SELECT source, stream, coalesce(full_key, key), retry_count, last_retry_at, retry_request, error_message, http_status_code, next_retry_at
              FROM {_context.Schema}.record_keys
             WHERE retry_status = 'pending' AND next_retry_at <= $1
             ORDER BY next_retry_at, source COLLATE "C", stream COLLATE "C", key COLLATE "C"
             LIMIT $2
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        return await ReadCandidatesAsync(command, cancellationToken).ConfigureAwait(false);
    }

    // Reads retry candidates from columns source, stream, key, retry_count, last_retry_at, retry_request, error_message,
    // http_status_code and, when selected, next_retry_at as the due time.
    private static async Task<List<RetryCandidate>> ReadCandidatesAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var candidates = new List<RetryCandidate>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var withDueAt = reader.FieldCount > 8;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            candidates.Add(new RetryCandidate
            {
                Stream = new StreamId(reader.GetString(0), reader.GetString(1)),
                Key = reader.GetString(2),
                RetryCount = reader.GetInt32(3),
                LastRetryAt = reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4),
                RetryRequest = reader.IsDBNull(5) ? null : reader.GetString(5),
                ErrorMessage = reader.IsDBNull(6) ? null : reader.GetString(6),
                HttpStatusCode = reader.IsDBNull(7) ? null : reader.GetInt32(7),
                DueAt = withDueAt ? reader.GetFieldValue<DateTimeOffset>(8) : null,
            });
        }

        return candidates;
    }

    public async ValueTask RecordRetryAttemptAsync(RetryAttempt attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        var s = _context.Schema;
        await using var connection = await _context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection) { Timeout = _context.CommandTimeoutSeconds };
        var log = new NpgsqlBatchCommand(
            $"""
            INSERT INTO {s}.retry_log (source, stream, key, attempt, attempted_at, succeeded, http_status_code, error_message, next_retry_at, gave_up)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            """);
        AddRetryParameters(log.Parameters, attempt);
        batch.BatchCommands.Add(log);

        var key = new NpgsqlBatchCommand(
            $"""
            UPDATE {s}.record_keys
               SET retry_count = greatest(retry_count, $4),
                   last_retry_at = $5,
                   retry_succeeded_at = CASE WHEN $6 THEN $5 ELSE retry_succeeded_at END,
                   retry_status = CASE WHEN $6 THEN 'succeeded' WHEN $10 THEN 'failed' ELSE retry_status END,
                   next_retry_at = CASE WHEN $6 OR $10 THEN NULL ELSE $9 END,
                   http_status_code = CASE WHEN $6 THEN http_status_code ELSE coalesce($7, http_status_code) END,
                   error_message = CASE WHEN $6 THEN error_message ELSE coalesce($8, error_message) END
             WHERE source = $1 AND stream = $2 AND key = $3
            """);
        AddRetryParameters(key.Parameters, attempt);
        batch.BatchCommands.Add(key);

        var version = new NpgsqlBatchCommand(
            $"""
            UPDATE {s}.raw_records r
               SET retry_count = greatest(r.retry_count, $4), last_retry_at = $5,
                   retry_succeeded_at = CASE WHEN $6 THEN $5 ELSE r.retry_succeeded_at END
              FROM {s}.record_keys k
             WHERE r.source = $1 AND r.stream = $2 AND r.key = $3 AND r.is_partial
               AND k.source = r.source AND k.stream = r.stream AND k.key = r.key AND r.version = k.max_version
            """);
        AddRetryParameters(version.Parameters, attempt, count: 6);
        batch.BatchCommands.Add(version);
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void AddRetryParameters(NpgsqlParameterCollection parameters, RetryAttempt attempt, int count = 10)
    {
        parameters.Add(new NpgsqlParameter<string> { TypedValue = attempt.Stream.Source });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = attempt.Stream.Stream });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = PostgresKey.Stored(attempt.Key) });
        parameters.Add(new NpgsqlParameter<int> { TypedValue = attempt.Attempt });
        parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = attempt.AttemptedAt });
        parameters.Add(new NpgsqlParameter<bool> { TypedValue = attempt.Succeeded });
        if (count <= 6)
        {
            return;
        }

        parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = (object?)attempt.HttpStatusCode ?? DBNull.Value });
        parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)PostgresText.CleanOrNull(attempt.ErrorMessage) ?? DBNull.Value });
        parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = (object?)attempt.NextRetryAt ?? DBNull.Value });
        parameters.Add(new NpgsqlParameter<bool> { TypedValue = attempt.GaveUp });
    }

    public async ValueTask<IReadOnlyList<RetryAttempt>> GetRetryLogAsync(StreamId stream, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await _context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _context.Command(
            $"""
            SELECT attempt, attempted_at, succeeded, http_status_code, error_message, next_retry_at, gave_up
              FROM {_context.Schema}.retry_log
             WHERE source = $1 AND stream = $2 AND key = $3
             ORDER BY id
            """,
            connection);
        AddStream(command, stream);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = PostgresKey.Stored(key) });
        var attempts = new List<RetryAttempt>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            attempts.Add(new RetryAttempt
            {
                Stream = stream,
                Key = key,
                Attempt = reader.GetInt32(0),
                AttemptedAt = reader.GetFieldValue<DateTimeOffset>(1),
                Succeeded = reader.GetBoolean(2),
                HttpStatusCode = reader.IsDBNull(3) ? null : reader.GetInt32(3),
                ErrorMessage = reader.IsDBNull(4) ? null : reader.GetString(4),
                NextRetryAt = reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
                GaveUp = reader.GetBoolean(6),
            });
        }

        return attempts;
    }

    private async IAsyncEnumerable<RawRecord> QueryAsync(
        string sql, StreamId stream, Action<NpgsqlCommand> addParameters, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await _context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _context.Command(sql, connection);
        AddStream(command, stream);
        addParameters(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return ReadRecord(reader, stream);
        }
    }

    private static void AddStream(NpgsqlCommand command, StreamId stream)
    {
        ArgumentNullException.ThrowIfNull(stream.Source);
        ArgumentNullException.ThrowIfNull(stream.Stream);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream.Source });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream.Stream });
    }

    private static RawRecord ReadRecord(NpgsqlDataReader reader, StreamId stream)
    {
        var isJson = reader.GetBoolean(5);
        var payload = isJson ? reader.GetFieldValue<byte[]>(3) : reader.IsDBNull(4) ? [] : reader.GetFieldValue<byte[]>(4);
        return new RawRecord
        {
            Stream = stream,
            Key = reader.GetString(0),
            Version = reader.GetInt32(1),
            IsLatest = reader.GetBoolean(2),
            Payload = payload,
            IsJson = isJson,
            Hash = new ContentHash(ParseAlgorithm(reader.GetString(16)), reader.GetFieldValue<byte[]>(6)),
            FetchedAt = reader.GetFieldValue<DateTimeOffset>(7),
            RunId = reader.GetGuid(8),
            IsPartial = reader.GetBoolean(9),
            Issues = reader.IsDBNull(10) ? [] : IssuesJson.Read(System.Text.Encoding.UTF8.GetBytes(reader.GetString(10))),
            HttpStatusCode = reader.IsDBNull(11) ? null : reader.GetInt32(11),
            ErrorMessage = reader.IsDBNull(12) ? null : reader.GetString(12),
            FirstSeenAt = reader.GetFieldValue<DateTimeOffset>(13),
            LastVerifiedAt = reader.GetFieldValue<DateTimeOffset>(14),
            DeletedAt = reader.IsDBNull(15) ? null : reader.GetFieldValue<DateTimeOffset>(15),
        };
    }
}
