using Ingestion.Postgres.Internal;
using Ingestion.Storage.Internal;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Ingestion.Postgres.Storage.Internal;

/// <summary>
/// The raw store on PostgreSQL. A batch is one transaction: the keys and hashes go up first (as arrays, in the statement that
/// classifies them) and that one set-based statement verifies the unchanged ones against the narrow <c>record_keys</c> table;
/// payloads are then shipped (binary COPY straight into <c>raw_records</c>, and the new keys straight into <c>record_keys</c>)
/// only for new and changed keys. After a batch of only new keys, the run's next one skips the classification while its keys
/// prove new (PostgresRawStore.Classify.cs).
/// </summary>
internal sealed partial class PostgresRawStore : IRawStore, IRetryLog
{
    private const string RecordColumns =
        "coalesce(k.full_key, r.key), r.version, r.is_latest, r.payload, r.payload_raw, r.is_json, r.hash, r.fetched_at, r.run_id, r.is_partial, " +
        "r.collection_issues::text, r.http_status_code, r.error_message, k.first_seen_at, " +
        "CASE WHEN r.is_latest THEN k.last_verified_at ELSE coalesce(r.superseded_verified_at, r.fetched_at) END, k.deleted_at, r.hash_algorithm";

    private readonly PostgresStoreContext _context;
    private readonly ILogger _logger;
    private readonly string _classifySql;
    private readonly string _verifyByKeySql;
    private readonly string _verifyRehashedSql;
    private readonly string _unflagLatestSql;
    private readonly string _copyRecordsSql;
    private readonly string _copyKeysSql;
    private readonly string _updateKeysSql;
    private readonly string _saveStateSql;
    private readonly string _countRunSql;
    private readonly string _selectRecordSql;

    public PostgresRawStore(PostgresStoreContext context)
    {
        _context = context;
        HashAlgorithm = context.Options.HashAlgorithm;
        _logger = context.LoggerFactory.CreateLogger<PostgresRawStore>();
        var s = context.Schema;
        // One statement classifies the batch. Each key is looked up by one probe of record_keys' primary key (the LATERAL with
        // LIMIT keeps the planner from turning the lookups into a join or a bitmap scan that reads the stream's whole key range);
        // the unchanged keys are then verified through the row addresses that lookup found (a TID scan: no second probe), with
        // an in-place (HOT) row update each. The rest (new, changed, partial) are returned, and so is any unchanged key whose row
        // a concurrent writer moved before the update reached it, for the caller to verify by key. Every access is bounded by
        // the batch, whatever the stream's size or the freshness of its statistics: the update names its stream with IS NOT
        // DISTINCT FROM, which no index can answer, so that check stays a filter on the rows the TID scan found. As an index
        // condition it let a planner that believed the stream tiny (a table not yet analysed, as during a first sync) read
        // every key of the stream for each batch.
        _classifySql = $"""
            WITH b AS MATERIALIZED (
                SELECT u.ord, u.key, k.tid, k.max_version, k.latest_is_partial,
                       coalesce(NOT u.is_partial AND NOT k.latest_is_partial AND k.hash = u.hash AND k.hash_algorithm = u.algorithm, false) AS unchanged,
                       CASE WHEN NOT u.is_partial AND NOT k.latest_is_partial AND k.hash_algorithm <> u.algorithm THEN k.hash_algorithm END AS other_algorithm,
                       CASE WHEN NOT u.is_partial AND NOT k.latest_is_partial AND k.hash_algorithm <> u.algorithm THEN k.hash END AS other_hash,
                       {RepeatedFailureColumns(s)}
                  FROM unnest($4::integer[], $5::text[], $6::bytea[], $7::boolean[], $8::text[]) AS u(ord, key, hash, is_partial, algorithm)
                  LEFT JOIN LATERAL (
                        SELECT k.ctid AS tid, k.hash, k.hash_algorithm, k.max_version, k.latest_version, k.latest_is_partial, k.error_message, k.http_status_code
                          FROM {s}.record_keys k
                         WHERE k.source = $1 AND k.stream = $2 AND k.key = u.key
                         LIMIT 1) k ON true
            ), verified AS (
                UPDATE {s}.record_keys k
                   SET last_verified_at = $3, last_seen_at = $3, deleted_at = NULL,
                       retry_status = CASE WHEN k.retry_status = 'pending' THEN NULL ELSE k.retry_status END
                 WHERE k.ctid = ANY (ARRAY(SELECT b.tid FROM b WHERE b.unchanged))
                   AND (k.source, k.stream) IS NOT DISTINCT FROM ($1, $2)
                RETURNING k.key
            )
            SELECT b.ord, b.max_version, b.latest_is_partial, b.unchanged, b.other_algorithm, b.other_hash,
                   b.failure_message, b.failure_status, b.failure_hash, b.failure_algorithm
              FROM b
             WHERE NOT b.unchanged OR b.key NOT IN (SELECT v.key FROM verified v)
            """;
        _verifyByKeySql = $"""
            UPDATE {s}.record_keys k
               SET last_verified_at = $3, last_seen_at = $3, deleted_at = NULL,
                   retry_status = CASE WHEN k.retry_status = 'pending' THEN NULL ELSE k.retry_status END
             WHERE k.source = $1 AND k.stream = $2 AND k.key = ANY ($4)
            """;
        _verifyRehashedSql = $"""
            UPDATE {s}.record_keys k
               SET hash = u.hash, hash_algorithm = u.algorithm, last_verified_at = $3, last_seen_at = $3, deleted_at = NULL,
                   retry_status = CASE WHEN k.retry_status = 'pending' THEN NULL ELSE k.retry_status END
              FROM unnest($4::text[], $5::bytea[], $6::text[]) AS u(key, hash, algorithm)
             WHERE k.source = $1 AND k.stream = $2 AND k.key = u.key AND k.key = ANY ($4)
            """;
        _unflagLatestSql = $"""
            UPDATE {s}.raw_records r
               SET is_latest = false,
                   superseded_verified_at = (SELECT k.last_verified_at FROM {s}.record_keys k
                                              WHERE k.source = r.source AND k.stream = r.stream AND k.key = r.key)
             WHERE r.source = $1 AND r.stream = $2 AND r.key = ANY($3) AND r.is_latest
            """;
        _copyRecordsSql = $"""
            COPY {s}.raw_records (source, stream, key, version, is_latest, payload, payload_raw, is_json, hash, fetched_at, run_id,
                                  is_partial, collection_issues, http_status_code, error_message, superseded_verified_at, hash_algorithm)
            FROM STDIN (FORMAT BINARY)
            """;
        _copyKeysSql = $"""
            COPY {s}.record_keys (source, stream, key, hash, latest_version, max_version, latest_is_partial, first_seen_at, last_seen_at,
                                  last_verified_at, last_written_at, retry_status, retry_request, next_retry_at, error_message, http_status_code,
                                  hash_algorithm, full_key)
            FROM STDIN (FORMAT BINARY)
            """;
        _updateKeysSql = $"""
            UPDATE {s}.record_keys k
               SET hash              = CASE WHEN u.becomes_latest THEN u.hash ELSE k.hash END,
                   hash_algorithm    = CASE WHEN u.becomes_latest THEN u.algorithm ELSE k.hash_algorithm END,
                   latest_version    = CASE WHEN u.becomes_latest THEN u.version ELSE k.latest_version END,
                   latest_is_partial = CASE WHEN u.becomes_latest THEN u.is_partial ELSE k.latest_is_partial END,
                   max_version       = u.version,
                   last_seen_at      = $3,
                   last_verified_at  = CASE WHEN u.becomes_latest THEN $3 ELSE k.last_verified_at END,
                   last_written_at   = CASE WHEN u.becomes_latest THEN $3 ELSE k.last_written_at END,
                   deleted_at        = CASE WHEN u.becomes_latest THEN NULL ELSE k.deleted_at END,
                   retry_count       = CASE WHEN u.retry_status = 'pending' AND k.retry_status = 'pending' THEN k.retry_count
                                            WHEN u.retry_status = 'pending' THEN 0 ELSE k.retry_count END,
                   next_retry_at     = CASE WHEN u.retry_status = 'pending' AND k.retry_status = 'pending' THEN k.next_retry_at
                                            WHEN u.retry_status = 'pending' THEN $3 END,
                   retry_status      = u.retry_status,
                   retry_request     = CASE WHEN u.is_partial THEN u.retry_request END,
                   error_message     = CASE WHEN u.is_partial THEN u.error_message END,
                   http_status_code  = CASE WHEN u.is_partial THEN u.http_status_code END
              FROM unnest($4::text[], $5::bytea[], $6::boolean[], $7::text[], $8::text[], $9::text[], $10::integer[], $11::integer[], $12::boolean[], $13::text[])
                   AS u(key, hash, is_partial, retry_status, retry_request, error_message, http_status_code, version, becomes_latest, algorithm)
             WHERE k.source = $1 AND k.stream = $2 AND k.key = u.key AND k.key = ANY($4)
            """;
        _saveStateSql = PostgresSyncStateStore.UpsertSql(s);
        _countRunSql = $"""
            UPDATE {s}.runs
               SET records_new = records_new + $2, records_changed = records_changed + $3,
                   records_unchanged = records_unchanged + $4, records_partial = records_partial + $5
             WHERE run_id = $1
            """;
        _leaseSql = LeaseSql(s);
        _selectRecordSql = $"""
            SELECT {RecordColumns}
              FROM {s}.raw_records r
              JOIN {s}.record_keys k ON k.source = r.source AND k.stream = r.stream AND k.key = r.key
            """;
    }

    public ContentHashAlgorithm HashAlgorithm { get; }

    public async ValueTask<RawBatchResult> WriteBatchAsync(RawBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(batch.Records);
        RawBatchChecks.CheckKeys(batch.Records);
        try
        {
            return await WriteBatchCoreAsync(batch, refused: null, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException exception) when (IsPayloadRefusal(exception))
        {
            // The payload checks missed something PostgreSQL refuses (for example a \u escape the database's encoding cannot
            // hold). Never lose the batch: find the refused payloads one probe at a time, then write the batch again with those
            // stored raw and flagged, in a new transaction that still carries the batch's state.
            var refused = await FindRefusedPayloadsAsync(batch.Records, cancellationToken).ConfigureAwait(false);
            if (refused.Count == 0)
            {
                throw;
            }

            LogPayloadsRefused(_logger, refused.Count, batch.Stream.ToString(), exception.SqlState);
            return await WriteBatchCoreAsync(batch, refused, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask<RawBatchResult> WriteBatchCoreAsync(RawBatch batch, Dictionary<int, SyncIssue>? refused, CancellationToken cancellationToken)
    {
        var records = batch.Records;

        var source = batch.Stream.Source;
        var stream = batch.Stream.Stream;

        await using var connection = await _context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        var assumeNew = refused is null && AssumesNew(batch);
        Classification? classification = null;
        await using (var classify = new NpgsqlBatch(connection, transaction) { Timeout = _context.CommandTimeoutSeconds })
        {
            // Writers of one stream take turns, so two batches never race for the same key's next version.
            var lockCommand = new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock($1)");
            lockCommand.Parameters.Add(new NpgsqlParameter<long> { TypedValue = _context.LockKey("stream", batch.Stream.ToString()) });
            classify.BatchCommands.Add(lockCommand);

            // Every statement of a batch reaches its keys through an index or by row address; a sequential scan would read every
            // stream's keys. A plan made from stale statistics (a stream that was empty when last analysed) could choose one.
            classify.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL enable_seqscan = off"));

            // The statements are cheap and planned afresh for each batch: compiling them (which the cost of a disabled plan
            // node can trigger) would cost more than running them.
            classify.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL jit = off"));
            AddLeaseCheck(classify, batch);
            if (assumeNew)
            {
                classify.BatchCommands.Add(new NpgsqlBatchCommand($"SAVEPOINT {AssumedNewSavepoint}"));
            }
            else
            {
                // Unchanged keys are verified in the same statement; what it returns needs a new version or another check.
                var select = new NpgsqlBatchCommand(_classifySql);
                AddStreamAt(select.Parameters, source, stream, batch.FetchedAt);
                AddBatchKeys(select.Parameters, records);
                classify.BatchCommands.Add(select);
            }

            await using var reader = await classify.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            await CheckLeaseAsync(reader, batch, cancellationToken).ConfigureAwait(false);
            if (!assumeNew)
            {
                classification = await ReadClassificationAsync(reader, batch, cancellationToken).ConfigureAwait(false);
            }
        }

        classification ??= await TryWriteAllKeysAsNewAsync(connection, transaction, batch, cancellationToken).ConfigureAwait(false)
            ?? await ClassifyAsync(connection, transaction, batch, cancellationToken).ConfigureAwait(false);
        var plans = classification.Plans;
        var rehashed = classification.Rehashed;
        var repeated = classification.Repeated;
        var moved = classification.Moved;

        if (rehashed is not null)
        {
            // Unchanged content: verified like any unchanged key, and its hash now made with this batch's algorithm, once.
            await using var verify = _context.Command(_verifyRehashedSql, connection, transaction);
            AddStreamAt(verify.Parameters, source, stream, batch.FetchedAt);
            rehashed.AddParameters(verify.Parameters);
            await verify.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (repeated is not null)
        {
            await VerifyRepeatedFailuresAsync(connection, transaction, batch, repeated, cancellationToken).ConfigureAwait(false);
        }

        if (moved is not null)
        {
            // Only this stream's writers change a key's hash, and they hold its lock: a moved unchanged row is still unchanged.
            await using var verify = _context.Command(_verifyByKeySql, connection, transaction);
            AddStreamAt(verify.Parameters, source, stream, batch.FetchedAt);
            verify.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. moved] });
            await verify.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var changedKeys = new List<string>();
        int created = 0, changed = 0, partial = repeated?.Count ?? 0;
        plans.Sort(static (left, right) => left.Ordinal.CompareTo(right.Ordinal));
        foreach (var plan in plans)
        {
            var record = records[plan.Ordinal];
            if (record.IsPartial)
            {
                partial++;
            }
            else if (plan.IsNew)
            {
                created++;
                changedKeys.Add(record.Key);
            }
            else
            {
                changed++;
                changedKeys.Add(record.Key);
            }
        }

        List<SyncIssue>? flaggedIssues = null;
        if (plans.Count > 0)
        {
            // Only the payloads that are written need checking (an unchanged record's payload never leaves the client); the
            // checks run on another core while the key state is written.
            var inspecting = Task.Run(() => Inspect(records, plans, refused), cancellationToken);
            var inspections = await WriteVersionsAsync(connection, transaction, batch, plans, classification.KeysWritten, inspecting, cancellationToken).ConfigureAwait(false);
            foreach (var plan in plans)
            {
                if (inspections[plan.Ordinal].Issue is { } issue)
                {
                    (flaggedIssues ??= []).Add(issue);
                }
            }
        }

        var unchanged = records.Count - plans.Count - (repeated?.Count ?? 0);
        await using (var finish = new NpgsqlBatch(connection, transaction) { Timeout = _context.CommandTimeoutSeconds })
        {
            if (batch.State is { } state)
            {
                var save = new NpgsqlBatchCommand(_saveStateSql);
                PostgresSyncStateStore.AddUpsertParameters(save.Parameters, state with { Stream = batch.Stream });
                finish.BatchCommands.Add(save);
            }

            var count = new NpgsqlBatchCommand(_countRunSql);
            count.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = batch.RunId });
            count.Parameters.Add(new NpgsqlParameter<long> { TypedValue = created });
            count.Parameters.Add(new NpgsqlParameter<long> { TypedValue = changed });
            count.Parameters.Add(new NpgsqlParameter<long> { TypedValue = unchanged });
            count.Parameters.Add(new NpgsqlParameter<long> { TypedValue = partial });
            finish.BatchCommands.Add(count);
            await finish.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        RememberWhetherAllNew(batch, classification);
        return new RawBatchResult
        {
            New = created,
            Changed = changed,
            Unchanged = unchanged,
            Partial = partial,
            ChangedKeys = changedKeys,
            Issues = flaggedIssues ?? (IReadOnlyList<SyncIssue>)[],
        };
    }

    private async Task<PayloadInspection[]> WriteVersionsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, RawBatch batch, List<VersionPlan> plans, bool keysWritten,
        Task<PayloadInspection[]> inspecting, CancellationToken cancellationToken)
    {
        var records = batch.Records;
        var source = batch.Stream.Source;
        var stream = batch.Stream.Stream;

        var supersede = new List<string>();
        foreach (var plan in plans)
        {
            if (!plan.IsNew && plan.BecomesLatest)
            {
                supersede.Add(PostgresKey.Stored(records[plan.Ordinal].Key));
            }
        }

        if (supersede.Count > 0)
        {
            await using var unflag = _context.Command(_unflagLatestSql, connection, transaction);
            unflag.Parameters.Add(new NpgsqlParameter<string> { TypedValue = source });
            unflag.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream });
            unflag.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. supersede] });
            await unflag.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // The key state goes first: the superseded versions above read last_verified_at as it was.
        var updated = new KeyColumns();
        var created = 0;
        foreach (var plan in plans)
        {
            if (plan.IsNew)
            {
                created++;
            }
            else
            {
                updated.Add(records[plan.Ordinal], plan);
            }
        }

        // New keys go straight into record_keys: the stream's lock is held and the classification found none of them there.
        if (created > 0 && !keysWritten)
        {
            await CopyNewKeysAsync(connection, batch, plans, cancellationToken).ConfigureAwait(false);
        }

        if (updated.Count > 0)
        {
            await using var update = _context.Command(_updateKeysSql, connection, transaction);
            updated.AddParameters(update.Parameters, source, stream, batch.FetchedAt);
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var inspections = await inspecting.ConfigureAwait(false);
        var hashBuffer = new byte[ContentHash.Size];
        await using (var copy = await connection.BeginBinaryImportAsync(_copyRecordsSql, cancellationToken).ConfigureAwait(false))
        {
            foreach (var plan in plans)
            {
                var record = records[plan.Ordinal];
                var inspection = inspections[plan.Ordinal];
                record.Hash.CopyTo(hashBuffer);
                var hash = new ReadOnlyMemory<byte>(hashBuffer, 0, record.Hash.Length);
                await copy.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(source, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(stream, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(PostgresKey.Stored(record.Key), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(plan.Version, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(plan.BecomesLatest, NpgsqlDbType.Boolean, cancellationToken).ConfigureAwait(false);
                if (inspection.Kind == PayloadKind.Json)
                {
                    await copy.WriteAsync(record.Payload, NpgsqlDbType.Jsonb, cancellationToken).ConfigureAwait(false);
                    await copy.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                    await copy.WriteAsync(true, NpgsqlDbType.Boolean, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await copy.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                    await copy.WriteAsync(record.Payload, NpgsqlDbType.Bytea, cancellationToken).ConfigureAwait(false);
                    await copy.WriteAsync(false, NpgsqlDbType.Boolean, cancellationToken).ConfigureAwait(false);
                }

                await copy.WriteAsync(hash, NpgsqlDbType.Bytea, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(batch.FetchedAt, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(batch.RunId, NpgsqlDbType.Uuid, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(record.IsPartial, NpgsqlDbType.Boolean, cancellationToken).ConfigureAwait(false);
                if (IssuesJson.Write(record.Issues, inspection.Issue) is { } issues)
                {
                    await copy.WriteAsync(issues, NpgsqlDbType.Jsonb, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await copy.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                }

                await WriteNullableAsync(copy, record.HttpStatusCode, cancellationToken).ConfigureAwait(false);
                if (record.ErrorMessage is { } error)
                {
                    await copy.WriteAsync(PostgresText.Clean(error), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await copy.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                }

                // A partial version kept behind good data was never the latest: its verification time is its fetch time.
                if (plan.BecomesLatest)
                {
                    await copy.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await copy.WriteAsync(batch.FetchedAt, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
                }

                await copy.WriteAsync(AlgorithmName(record.Hash.Algorithm), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            }

            await copy.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        return inspections;
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning,
        Message = "PostgreSQL refused {Count} payload(s) of a batch of {Stream} (SQLSTATE {SqlState}); they are stored raw and flagged, and the batch is written again")]
    private static partial void LogPayloadsRefused(ILogger logger, int count, string stream, string sqlState);
}
