using Ingestion.Storage.Internal;
using System.Runtime.CompilerServices;
using Ingestion.Postgres.Internal;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Ingestion.Postgres.Storage.Internal;

/// <summary>
/// The raw store on PostgreSQL. A batch is one transaction: the keys and hashes go up first (as arrays, in the statement that
/// classifies them) and that one set-based statement verifies the unchanged ones against the narrow <c>record_keys</c> table;
/// payloads are then shipped (binary COPY straight into <c>raw_records</c>, and the new keys straight into <c>record_keys</c>)
/// only for new and changed keys.
/// </summary>
internal sealed partial class PostgresRawStore : IRawStore
{
    private const string RecordColumns =
        "r.key, r.version, r.is_latest, r.payload, r.payload_raw, r.is_json, r.hash, r.fetched_at, r.run_id, r.is_partial, " +
        "r.collection_issues::text, r.http_status_code, r.error_message, k.first_seen_at, " +
        "CASE WHEN r.is_latest THEN k.last_verified_at ELSE coalesce(r.superseded_verified_at, r.fetched_at) END, k.deleted_at";

    private readonly PostgresStoreContext _context;
    private readonly ILogger _logger;
    private readonly string _classifySql;
    private readonly string _verifyByKeySql;
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
        _logger = context.LoggerFactory.CreateLogger<PostgresRawStore>();
        var s = context.Schema;
        // One statement classifies the batch. Each key is looked up by one probe of record_keys' primary key (the LATERAL with
        // LIMIT keeps the planner from turning the lookups into a join or a bitmap scan that reads the stream's whole key range);
        // the unchanged keys are then verified through the row addresses that lookup found (a TID scan: no second probe), with
        // an in-place (HOT) row update each. The rest (new, changed, partial) are returned, and so is any unchanged key whose row
        // a concurrent writer moved before the update reached it, for the caller to verify by key. Every access is bounded by
        // the batch, whatever the stream's size or the freshness of its statistics.
        _classifySql = $"""
            WITH b AS MATERIALIZED (
                SELECT u.ord, u.key, k.tid, k.max_version, k.latest_is_partial,
                       coalesce(NOT u.is_partial AND NOT k.latest_is_partial AND k.hash = u.hash, false) AS unchanged
                  FROM unnest($4::integer[], $5::text[], $6::bytea[], $7::boolean[]) AS u(ord, key, hash, is_partial)
                  LEFT JOIN LATERAL (
                        SELECT k.ctid AS tid, k.hash, k.max_version, k.latest_is_partial
                          FROM {s}.record_keys k
                         WHERE k.source = $1 AND k.stream = $2 AND k.key = u.key
                         LIMIT 1) k ON true
            ), verified AS (
                UPDATE {s}.record_keys k
                   SET last_verified_at = $3, last_seen_at = $3, deleted_at = NULL,
                       retry_status = CASE WHEN k.retry_status = 'pending' THEN NULL ELSE k.retry_status END
                 WHERE k.ctid = ANY (ARRAY(SELECT b.tid FROM b WHERE b.unchanged))
                   AND k.source = $1 AND k.stream = $2
                RETURNING k.key
            )
            SELECT b.ord, b.max_version, b.latest_is_partial, b.unchanged
              FROM b
             WHERE NOT b.unchanged OR b.key NOT IN (SELECT v.key FROM verified v)
            """;
        _verifyByKeySql = $"""
            UPDATE {s}.record_keys k
               SET last_verified_at = $3, last_seen_at = $3, deleted_at = NULL,
                   retry_status = CASE WHEN k.retry_status = 'pending' THEN NULL ELSE k.retry_status END
             WHERE k.source = $1 AND k.stream = $2 AND k.key = ANY ($4)
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
                                  is_partial, collection_issues, http_status_code, error_message, superseded_verified_at)
            FROM STDIN (FORMAT BINARY)
            """;
        _copyKeysSql = $"""
            COPY {s}.record_keys (source, stream, key, hash, latest_version, max_version, latest_is_partial, first_seen_at, last_seen_at,
                                  last_verified_at, last_written_at, retry_status, retry_request, next_retry_at, error_message, http_status_code)
            FROM STDIN (FORMAT BINARY)
            """;
        _updateKeysSql = $"""
            UPDATE {s}.record_keys k
               SET hash              = CASE WHEN u.becomes_latest THEN u.hash ELSE k.hash END,
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
              FROM unnest($4::text[], $5::bytea[], $6::boolean[], $7::text[], $8::text[], $9::text[], $10::integer[], $11::integer[], $12::boolean[])
                   AS u(key, hash, is_partial, retry_status, retry_request, error_message, http_status_code, version, becomes_latest)
             WHERE k.source = $1 AND k.stream = $2 AND k.key = u.key AND k.key = ANY($4)
            """;
        _saveStateSql = PostgresSyncStateStore.UpsertSql(s);
        _countRunSql = $"""
            UPDATE {s}.runs
               SET records_new = records_new + $2, records_changed = records_changed + $3,
                   records_unchanged = records_unchanged + $4, records_partial = records_partial + $5
             WHERE run_id = $1
            """;
        _selectRecordSql = $"""
            SELECT {RecordColumns}
              FROM {s}.raw_records r
              JOIN {s}.record_keys k ON k.source = r.source AND k.stream = r.stream AND k.key = r.key
            """;
    }

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

    /// <summary>Data exceptions (class 22) and program limits (class 54) are what one record's payload can cause.</summary>
    private static bool IsPayloadRefusal(PostgresException exception) =>
        exception.SqlState.StartsWith("22", StringComparison.Ordinal) || exception.SqlState.StartsWith("54", StringComparison.Ordinal);

    /// <summary>
    /// Sends the batch's JSON payloads as <c>jsonb[]</c> and halves every refused group until the refused payloads are found:
    /// about (refused × log₂ batch size) round trips, nothing written.
    /// </summary>
    private async Task<Dictionary<int, SyncIssue>> FindRefusedPayloadsAsync(IReadOnlyList<RawRecordWrite> records, CancellationToken cancellationToken)
    {
        var candidates = new List<int>(records.Count);
        for (var index = 0; index < records.Count; index++)
        {
            if (PayloadInspector.Inspect(records[index].Payload.Span, _context.Options.MaxPayloadBytes, out _) == PayloadKind.Json)
            {
                candidates.Add(index);
            }
        }

        var refused = new Dictionary<int, SyncIssue>();
        await using var connection = await _context.OpenAsync(cancellationToken).ConfigureAwait(false);
        var groups = new Stack<(int Start, int Count)>();
        groups.Push((0, candidates.Count));
        while (groups.Count > 0)
        {
            var (start, count) = groups.Pop();
            if (count == 0)
            {
                continue;
            }

            await using var probe = _context.Command("SELECT cardinality($1)", connection);
            var payloads = new byte[count][];
            for (var offset = 0; offset < count; offset++)
            {
                payloads[offset] = records[candidates[start + offset]].Payload.ToArray();
            }

            probe.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb, Value = payloads });
            try
            {
                await probe.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException exception) when (IsPayloadRefusal(exception))
            {
                if (count == 1)
                {
                    var index = candidates[start];
                    refused[index] = new SyncIssue(
                        IssueKind.StoreFailure,
                        $"PostgreSQL refused the payload as JSONB ({exception.SqlState}: {exception.MessageText}); stored raw.",
                        records[index].Key);
                }
                else
                {
                    var half = count / 2;
                    groups.Push((start + half, count - half));
                    groups.Push((start, half));
                }
            }
        }

        return refused;
    }

    private async ValueTask<RawBatchResult> WriteBatchCoreAsync(RawBatch batch, Dictionary<int, SyncIssue>? refused, CancellationToken cancellationToken)
    {
        var records = batch.Records;

        var source = batch.Stream.Source;
        var stream = batch.Stream.Stream;

        await using var connection = await _context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        // Everything the classification returns needs a new version, except unchanged keys whose rows moved under it; the rest
        // was verified unchanged in the same statement.
        var plans = new List<VersionPlan>();
        List<string>? moved = null;
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
            var select = new NpgsqlBatchCommand(_classifySql);
            AddStreamAt(select.Parameters, source, stream, batch.FetchedAt);
            AddBatchKeys(select.Parameters, records);
            classify.BatchCommands.Add(select);
            await using var reader = await classify.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var ordinal = reader.GetInt32(0);
                var record = records[ordinal];
                if (reader.GetBoolean(3))
                {
                    (moved ??= []).Add(PostgresText.Clean(record.Key));
                    continue;
                }

                if (reader.IsDBNull(1))
                {
                    plans.Add(new VersionPlan(ordinal, Version: 1, IsNew: true, BecomesLatest: true));
                    continue;
                }

                var maxVersion = reader.GetInt32(1);
                var latestIsPartial = reader.GetBoolean(2);

                // A partial record never hides good data: behind a complete latest version it is kept, not made latest.
                var becomesLatest = !record.IsPartial || latestIsPartial;
                plans.Add(new VersionPlan(ordinal, maxVersion + 1, IsNew: false, becomesLatest));
            }
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
        int created = 0, changed = 0, partial = 0;
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
            var inspections = await WriteVersionsAsync(connection, transaction, batch, plans, inspecting, cancellationToken).ConfigureAwait(false);
            foreach (var plan in plans)
            {
                if (inspections[plan.Ordinal].Issue is { } issue)
                {
                    (flaggedIssues ??= []).Add(issue);
                }
            }
        }

        var unchanged = records.Count - plans.Count;
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
        NpgsqlConnection connection, NpgsqlTransaction transaction, RawBatch batch, List<VersionPlan> plans,
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
                supersede.Add(PostgresText.Clean(records[plan.Ordinal].Key));
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

        var hashBuffer = new byte[ContentHash.Size];

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
        if (created > 0)
        {
            await using var copy = await connection.BeginBinaryImportAsync(_copyKeysSql, cancellationToken).ConfigureAwait(false);
            foreach (var plan in plans)
            {
                if (plan.IsNew)
                {
                    await WriteNewKeyAsync(copy, records[plan.Ordinal], source, stream, batch.FetchedAt, hashBuffer, cancellationToken).ConfigureAwait(false);
                }
            }

            await copy.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        if (updated.Count > 0)
        {
            await using var update = _context.Command(_updateKeysSql, connection, transaction);
            updated.AddParameters(update.Parameters, source, stream, batch.FetchedAt);
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var inspections = await inspecting.ConfigureAwait(false);
        await using (var copy = await connection.BeginBinaryImportAsync(_copyRecordsSql, cancellationToken).ConfigureAwait(false))
        {
            foreach (var plan in plans)
            {
                var record = records[plan.Ordinal];
                var inspection = inspections[plan.Ordinal];
                record.Hash.CopyTo(hashBuffer);
                await copy.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(source, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(stream, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(PostgresText.Clean(record.Key), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
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

                await copy.WriteAsync(hashBuffer, NpgsqlDbType.Bytea, cancellationToken).ConfigureAwait(false);
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
            }

            await copy.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        return inspections;
    }

    private static async ValueTask WriteNewKeyAsync(
        NpgsqlBinaryImporter copy, RawRecordWrite record, string source, string stream, DateTimeOffset at, byte[] hashBuffer, CancellationToken cancellationToken)
    {
        record.Hash.CopyTo(hashBuffer);
        await copy.StartRowAsync(cancellationToken).ConfigureAwait(false);
        await copy.WriteAsync(source, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
        await copy.WriteAsync(stream, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
        await copy.WriteAsync(PostgresText.Clean(record.Key), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
        await copy.WriteAsync(hashBuffer, NpgsqlDbType.Bytea, cancellationToken).ConfigureAwait(false);
        await copy.WriteAsync(1, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
        await copy.WriteAsync(1, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
        await copy.WriteAsync(record.IsPartial, NpgsqlDbType.Boolean, cancellationToken).ConfigureAwait(false);
        for (var column = 0; column < 4; column++)
        {
            // first_seen_at, last_seen_at, last_verified_at, last_written_at
            await copy.WriteAsync(at, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
        }

        if (record.IsPartial)
        {
            var retryable = record.IsRetryable;
            await copy.WriteAsync(retryable ? "pending" : "failed", NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            await WriteNullableAsync(copy, PostgresText.CleanOrNull(record.RetryRequest), cancellationToken).ConfigureAwait(false);
            if (retryable)
            {
                await copy.WriteAsync(at, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await copy.WriteNullAsync(cancellationToken).ConfigureAwait(false);
            }

            await WriteNullableAsync(copy, PostgresText.CleanOrNull(record.ErrorMessage), cancellationToken).ConfigureAwait(false);
            await WriteNullableAsync(copy, record.HttpStatusCode, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            for (var column = 0; column < 5; column++)
            {
                await copy.WriteNullAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static void AddStreamAt(NpgsqlParameterCollection parameters, string source, string stream, DateTimeOffset at, bool withTime = true)
    {
        parameters.Add(new NpgsqlParameter<string> { TypedValue = source });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = stream });
        if (withTime)
        {
            parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = at });
        }
    }

    private static async ValueTask WriteNullableAsync(NpgsqlBinaryImporter copy, string? value, CancellationToken cancellationToken)
    {
        if (value is not null)
        {
            await copy.WriteAsync(value, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await copy.WriteNullAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async ValueTask WriteNullableAsync(NpgsqlBinaryImporter copy, int? value, CancellationToken cancellationToken)
    {
        if (value is { } present)
        {
            await copy.WriteAsync(present, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await copy.WriteNullAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The batch's keys, hashes and partial flags as arrays, sorted by key so that the probes into <c>record_keys</c> walk its index
    /// in order; each with its index in the batch.
    /// </summary>
    private static void AddBatchKeys(NpgsqlParameterCollection parameters, IReadOnlyList<RawRecordWrite> records)
    {
        var order = new int[records.Count];
        var keys = new string[records.Count];
        for (var index = 0; index < order.Length; index++)
        {
            order[index] = index;
            keys[index] = PostgresText.Clean(records[index].Key);
        }

        Array.Sort(keys, order, StringComparer.Ordinal);
        var hashes = new byte[order.Length][];
        var partial = new bool[order.Length];
        for (var position = 0; position < order.Length; position++)
        {
            var record = records[order[position]];
            hashes[position] = record.Hash.ToArray();
            partial[position] = record.IsPartial;
        }

        parameters.Add(new NpgsqlParameter<int[]> { TypedValue = order });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = keys });
        parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = hashes });
        parameters.Add(new NpgsqlParameter<bool[]> { TypedValue = partial });
    }

    private PayloadInspection[] Inspect(IReadOnlyList<RawRecordWrite> records, List<VersionPlan> plans, Dictionary<int, SyncIssue>? refused)
    {
        var inspections = new PayloadInspection[records.Count];
        foreach (var plan in plans)
        {
            var index = plan.Ordinal;
            var record = records[index];
            if (refused is not null && refused.TryGetValue(index, out var refusal))
            {
                inspections[index] = new PayloadInspection(PayloadKind.Refused, refusal);
                continue;
            }

            var kind = PayloadInspector.Inspect(record.Payload.Span, _context.Options.MaxPayloadBytes, out var detail);
            var issue = RawBatchChecks.IssueFor(kind, detail, record.Key);
            inspections[index] = new PayloadInspection(kind, issue);
        }

        return inspections;
    }

    public async ValueTask<RawRecord?> GetLatestAsync(StreamId stream, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await _context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _context.Command(_selectRecordSql + " WHERE r.source = $1 AND r.stream = $2 AND r.key = $3 AND r.is_latest", connection);
        AddStream(command, stream);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = PostgresText.Clean(key) });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadRecord(reader, stream) : null;
    }

    public IAsyncEnumerable<RawRecord> GetHistoryAsync(StreamId stream, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        return QueryAsync(
            _selectRecordSql + " WHERE r.source = $1 AND r.stream = $2 AND r.key = $3 ORDER BY r.version",
            stream,
            command => command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = PostgresText.Clean(key) }),
            cancellationToken);
    }

    public IAsyncEnumerable<RawRecord> QueryLatestAsync(StreamId stream, RawRecordQuery? query, CancellationToken cancellationToken)
    {
        var sql = _selectRecordSql + " WHERE r.source = $1 AND r.stream = $2 AND r.is_latest";
        if (query is not { IncludeDeleted: true })
        {
            sql += " AND k.deleted_at IS NULL";
        }

        var filter = query?.FieldName is not null;
        if (filter)
        {
            sql += query!.FieldValue is null ? " AND r.payload ->> $3 IS NULL AND r.payload ? $3" : " AND r.payload ->> $3 = $4";
        }

        sql += " ORDER BY r.key COLLATE \"C\"";
        return QueryAsync(sql, stream, command =>
        {
            if (filter)
            {
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = query!.FieldName });
                if (query.FieldValue is not null)
                {
                    command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = query.FieldValue });
                }
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
            SELECT source, stream, key, retry_count, last_retry_at, retry_request, error_message, http_status_code, next_retry_at
              FROM {_context.Schema}.record_keys
             WHERE retry_status = 'pending' AND next_retry_at <= $1
             ORDER BY next_retry_at, source COLLATE "C", stream COLLATE "C", key COLLATE "C"
             LIMIT $2
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        var candidates = new List<RetryCandidate>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
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
                DueAt = reader.GetFieldValue<DateTimeOffset>(8),
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
        parameters.Add(new NpgsqlParameter<string> { TypedValue = PostgresText.Clean(attempt.Key) });
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
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = PostgresText.Clean(key) });
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
        byte[] payload = isJson ? reader.GetFieldValue<byte[]>(3) : reader.IsDBNull(4) ? [] : reader.GetFieldValue<byte[]>(4);
        return new RawRecord
        {
            Stream = stream,
            Key = reader.GetString(0),
            Version = reader.GetInt32(1),
            IsLatest = reader.GetBoolean(2),
            Payload = payload,
            IsJson = isJson,
            Hash = new ContentHash(reader.GetFieldValue<byte[]>(6)),
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

    private readonly record struct VersionPlan(int Ordinal, int Version, bool IsNew, bool BecomesLatest);

    private readonly record struct PayloadInspection(PayloadKind Kind, SyncIssue? Issue);

    /// <summary>The key-state columns of a batch's new versions, sent as arrays to one set-based statement.</summary>
    private sealed class KeyColumns
    {
        private readonly List<string> _keys = [];
        private readonly List<byte[]> _hashes = [];
        private readonly List<bool> _partial = [];
        private readonly List<string?> _retryStatus = [];
        private readonly List<string?> _retryRequest = [];
        private readonly List<string?> _errors = [];
        private readonly List<int?> _statuses = [];
        private readonly List<int> _versions = [];
        private readonly List<bool> _becomesLatest = [];

        public int Count => _keys.Count;

        public void Add(RawRecordWrite record, VersionPlan plan)
        {
            _keys.Add(PostgresText.Clean(record.Key));
            _hashes.Add(record.Hash.ToArray());
            _partial.Add(record.IsPartial);
            _retryStatus.Add(record.IsPartial ? (record.IsRetryable ? "pending" : "failed") : null);
            _retryRequest.Add(record.IsPartial ? PostgresText.CleanOrNull(record.RetryRequest) : null);
            _errors.Add(record.IsPartial ? PostgresText.CleanOrNull(record.ErrorMessage) : null);
            _statuses.Add(record.IsPartial ? record.HttpStatusCode : null);
            _versions.Add(plan.Version);
            _becomesLatest.Add(plan.BecomesLatest);
        }

        public void AddParameters(NpgsqlParameterCollection parameters, string source, string stream, DateTimeOffset at)
        {
            parameters.Add(new NpgsqlParameter<string> { TypedValue = source });
            parameters.Add(new NpgsqlParameter<string> { TypedValue = stream });
            parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = at });
            parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. _keys] });
            parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. _hashes] });
            parameters.Add(new NpgsqlParameter<bool[]> { TypedValue = [.. _partial] });
            parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. _retryStatus] });
            parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. _retryRequest] });
            parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. _errors] });
            parameters.Add(new NpgsqlParameter<int?[]> { TypedValue = [.. _statuses] });
            parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. _versions] });
            parameters.Add(new NpgsqlParameter<bool[]> { TypedValue = [.. _becomesLatest] });
        }
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning,
        Message = "PostgreSQL refused {Count} payload(s) of a batch of {Stream} (SQLSTATE {SqlState}); they are stored raw and flagged, and the batch is written again")]
    private static partial void LogPayloadsRefused(ILogger logger, int count, string stream, string sqlState);
}
