using System.Collections.Concurrent;
using Ingestion.Postgres.Internal;
using Ingestion.Storage.Internal;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ingestion.Postgres.Storage.Internal;

/// <summary>
/// Classifying a batch's keys (new, changed, unchanged), and skipping that when the keys are all new. A first sync writes
/// nothing but new keys, and probing <c>record_keys</c> for each of them, to find nothing, costs about a fifth of writing them.
/// So after a batch of only new keys, the same run's next batch of the stream first copies its keys into <c>record_keys</c> as
/// new, behind a savepoint: the primary key refuses the copy if any of them is stored already, and the batch is then rolled
/// back to the savepoint and classified as any other. Writers of a stream hold its lock, so no key can appear in between. A
/// new run starts by classifying: a re-sync after a first sync finds its keys stored, and a refused copy leaves dead rows.
/// </summary>
internal sealed partial class PostgresRawStore
{
    private const string AssumedNewSavepoint = "assumed_new";

    // Streams whose last batch written here held only new keys, with the run that wrote it.
    private readonly ConcurrentDictionary<StreamId, Guid> _allNewRuns = new();

    private bool AssumesNew(RawBatch batch) => _allNewRuns.TryGetValue(batch.Stream, out var run) && run == batch.RunId;

    private void RememberWhetherAllNew(RawBatch batch, Classification classification)
    {
        if (classification.Plans.Count == batch.Records.Count && classification.Plans.TrueForAll(static plan => plan.IsNew))
        {
            _allNewRuns[batch.Stream] = batch.RunId;
        }
        else
        {
            _allNewRuns.TryRemove(batch.Stream, out _);
        }
    }

    /// <summary>
    /// Copies every key of the batch into <c>record_keys</c> as a new key; null, with the transaction back at the savepoint,
    /// when one of them is stored already.
    /// </summary>
    private async Task<Classification?> TryWriteAllKeysAsNewAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, RawBatch batch, CancellationToken cancellationToken)
    {
        var classification = new Classification { KeysWritten = true };
        for (var ordinal = 0; ordinal < batch.Records.Count; ordinal++)
        {
            classification.Plans.Add(VersionPlan.NewKey(ordinal));
        }

        try
        {
            await CopyNewKeysAsync(connection, batch, classification.Plans, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            await transaction.RollbackAsync(AssumedNewSavepoint, cancellationToken).ConfigureAwait(false);
            LogKeysNotAllNew(_logger, batch.Records.Count, batch.Stream.ToString());
            return null;
        }

        return classification;
    }

    /// <summary>Copies the keys of the plans' new versions straight into <c>record_keys</c>.</summary>
    private async Task CopyNewKeysAsync(NpgsqlConnection connection, RawBatch batch, List<VersionPlan> plans, CancellationToken cancellationToken)
    {
        var hashBuffer = new byte[ContentHash.Size];
        await using var copy = await connection.BeginBinaryImportAsync(_copyKeysSql, cancellationToken).ConfigureAwait(false);
        foreach (var plan in plans)
        {
            if (plan.IsNew)
            {
                await WriteNewKeyAsync(copy, batch.Records[plan.Ordinal], batch.Stream.Source, batch.Stream.Stream, batch.FetchedAt, hashBuffer, cancellationToken).ConfigureAwait(false);
            }
        }

        await copy.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs the classification on its own, after the batch's keys turned out not to be all new.</summary>
    private async Task<Classification> ClassifyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, RawBatch batch, CancellationToken cancellationToken)
    {
        await using var select = _context.Command(_classifySql, connection, transaction);
        AddStreamAt(select.Parameters, batch.Stream.Source, batch.Stream.Stream, batch.FetchedAt);
        AddBatchKeys(select.Parameters, batch.Records);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await ReadClassificationAsync(reader, batch, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads what the classification returned: everything needs a new version, except unchanged keys whose rows moved under
    /// it, keys hashed before with another algorithm whose content is the same, and partial records repeating the last failure.
    /// </summary>
    private static async Task<Classification> ReadClassificationAsync(NpgsqlDataReader reader, RawBatch batch, CancellationToken cancellationToken)
    {
        var records = batch.Records;
        var classification = new Classification();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var ordinal = reader.GetInt32(0);
            var record = records[ordinal];
            if (reader.GetBoolean(3))
            {
                (classification.Moved ??= []).Add(PostgresKey.Stored(record.Key));
                continue;
            }

            if (reader.IsDBNull(1))
            {
                classification.Plans.Add(VersionPlan.NewKey(ordinal));
                continue;
            }

            if (record.IsPartial && RepeatsLastFailure(reader, record))
            {
                (classification.Repeated ??= new RepeatedFailures()).Add(record);
                continue;
            }

            if (!reader.IsDBNull(4))
            {
                // The key's hash was made with another algorithm (a database hashed before the switch): compare in that one.
                var storedHash = new ContentHash(ParseAlgorithm(reader.GetString(4)), reader.GetFieldValue<byte[]>(5));
                if ((batch.Hasher ?? ContentHasher.Default).WithAlgorithm(storedHash.Algorithm).Compute(record.Payload.Span) == storedHash)
                {
                    (classification.Rehashed ??= new RehashedKeys()).Add(record);
                    continue;
                }
            }

            var maxVersion = reader.GetInt32(1);
            var latestIsPartial = reader.GetBoolean(2);

            // A partial record never hides good data: behind a complete latest version it is kept, not made latest.
            var becomesLatest = !record.IsPartial || latestIsPartial;
            classification.Plans.Add(new VersionPlan(ordinal, maxVersion + 1, IsNew: false, becomesLatest));
        }

        return classification;
    }

    [LoggerMessage(EventId = 11, Level = LogLevel.Debug,
        Message = "A key of the {Count} of a batch of {Stream} written as new was stored already; the batch was classified instead")]
    private static partial void LogKeysNotAllNew(ILogger logger, int count, string stream);

    /// <summary>What a batch's keys need: new versions (plans) and the verifications that write none.</summary>
    private sealed class Classification
    {
        public List<VersionPlan> Plans { get; } = [];

        /// <summary>Unchanged keys whose rows a concurrent writer moved before the classification's update reached them.</summary>
        public List<string>? Moved { get; set; }

        public RehashedKeys? Rehashed { get; set; }

        public RepeatedFailures? Repeated { get; set; }

        /// <summary>Whether the new keys are in <c>record_keys</c> already (written as new before classifying).</summary>
        public bool KeysWritten { get; init; }
    }
}
