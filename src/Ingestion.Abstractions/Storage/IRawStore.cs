namespace Ingestion;

/// <summary>
/// Stores every version of every record exactly as the vendor sent it, with dedup by content hash.
/// <para>Rules every implementation follows (the conformance suite checks them):</para>
/// <list type="bullet">
/// <item>A key seen for the first time becomes version 1 and latest (<c>New</c>).</item>
/// <item>A complete record whose hash equals the latest version's only moves <c>last_verified_at</c> (<c>Unchanged</c>); its payload is not rewritten.
/// A stored hash made with another <see cref="ContentHashAlgorithm"/> is compared with the record's hash in that algorithm
/// (<see cref="RawBatch.Hasher"/>), so switching algorithms writes no new version of an unchanged record.</item>
/// <item>A complete record with another hash becomes a new version and the only latest one (<c>Changed</c>).</item>
/// <item>A partial record never hides good data: it becomes latest only when the key has no complete latest version; otherwise it is kept as a non-latest version and the key is flagged for retry.</item>
/// <item>Payloads that are not valid JSON, contain <c>\u0000</c>, or exceed the store's size limit are stored raw and flagged with an issue; they never fail the batch.</item>
/// <item>A batch and its <see cref="RawBatch.State"/> commit together or not at all.</item>
/// </list>
/// </summary>
public interface IRawStore
{
    /// <summary>
    /// The algorithm the engine hashes records with for this store. Stores that predate the choice keep SHA-256, what they
    /// were given before; the built-in stores use XxHash128 unless their options say otherwise.
    /// </summary>
    ContentHashAlgorithm HashAlgorithm => ContentHashAlgorithm.Sha256;

    /// <summary>Writes a batch and its sync state in one transaction.</summary>
    /// <param name="batch">The batch.</param>
    /// <param name="cancellationToken">Cancels the write; nothing of the batch is then committed.</param>
    /// <returns>What the batch did.</returns>
    ValueTask<RawBatchResult> WriteBatchAsync(RawBatch batch, CancellationToken cancellationToken);

    /// <summary>Reads the latest version of a key, deleted or not.</summary>
    /// <param name="stream">The stream.</param>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The latest version, or <see langword="null"/>.</returns>
    ValueTask<RawRecord?> GetLatestAsync(StreamId stream, string key, CancellationToken cancellationToken);

    /// <summary>Reads every version of a key, oldest first.</summary>
    /// <param name="stream">The stream.</param>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The versions.</returns>
    IAsyncEnumerable<RawRecord> GetHistoryAsync(StreamId stream, string key, CancellationToken cancellationToken);

    /// <summary>Reads the latest versions of a stream's records, optionally filtered, in key order.</summary>
    /// <param name="stream">The stream.</param>
    /// <param name="query">The filter, or <see langword="null"/> for all non-deleted records.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The records.</returns>
    IAsyncEnumerable<RawRecord> QueryLatestAsync(StreamId stream, RawRecordQuery? query, CancellationToken cancellationToken);

    /// <summary>Reads the latest versions written (new or changed) after <paramref name="since"/>, oldest first.</summary>
    /// <param name="stream">The stream.</param>
    /// <param name="since">The exclusive lower bound on <see cref="RawRecord.FetchedAt"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The records.</returns>
    IAsyncEnumerable<RawRecord> GetChangedSinceAsync(StreamId stream, DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>
    /// Soft-deletes the keys of a stream that were not seen (written or verified) at or after <paramref name="seenSince"/>:
    /// called after a complete snapshot that passed the guard.
    /// </summary>
    /// <param name="stream">The stream.</param>
    /// <param name="seenSince">The start of the snapshot run.</param>
    /// <param name="deletedAt">The deletion time to record.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>How many keys were marked deleted.</returns>
    ValueTask<int> MarkMissingDeletedAsync(StreamId stream, DateTimeOffset seenSince, DateTimeOffset deletedAt, CancellationToken cancellationToken);

    /// <summary>
    /// Resolves the partial records of a stream that a complete snapshot no longer met: keys whose latest version is partial (a
    /// failed page, or a parent whose children could not be fetched) and that were not seen at or after
    /// <paramref name="seenSince"/>. What they stood for was fetched completely, so they leave the live records as a soft delete
    /// does, their retry status becomes resolved, and the run reports them as resolved rather than deleted. Called after a
    /// complete snapshot that passed the guard, before <see cref="MarkMissingDeletedAsync"/>. The default implementation resolves
    /// none, so such keys are soft-deleted as missing; a store should override it.
    /// </summary>
    /// <param name="stream">The stream.</param>
    /// <param name="seenSince">The start of the snapshot run.</param>
    /// <param name="resolvedAt">The time to record as the keys' deletion time.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The resolved keys, in any order.</returns>
    ValueTask<IReadOnlyList<string>> ResolveMissingPartialsAsync(StreamId stream, DateTimeOffset seenSince, DateTimeOffset resolvedAt, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<string>>([]);

    /// <summary>
    /// Reads the keys of a stream soft-deleted at or after <paramref name="since"/>, so that what was derived from them can be
    /// withdrawn. The default implementation reads the stream's latest versions, deleted ones included; a store that can find
    /// deletions by time should override it.
    /// </summary>
    /// <param name="stream">The stream.</param>
    /// <param name="since">The inclusive lower bound on <see cref="RawRecord.DeletedAt"/> (for example the start of the run that deleted them).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The deleted keys, in any order.</returns>
    async ValueTask<IReadOnlyList<string>> GetKeysDeletedSinceAsync(StreamId stream, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        await foreach (var record in QueryLatestAsync(stream, new RawRecordQuery { IncludeDeleted = true }, cancellationToken).ConfigureAwait(false))
        {
            if (record.DeletedAt is { } deletedAt && deletedAt >= since)
            {
                keys.Add(record.Key);
            }
        }

        return keys;
    }

    /// <summary>Counts the latest, non-deleted, complete records of a stream.</summary>
    /// <param name="stream">The stream.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The count.</returns>
    ValueTask<long> CountLatestAsync(StreamId stream, CancellationToken cancellationToken);

    /// <summary>
    /// Lists partial, retryable keys whose next retry is due at <paramref name="now"/>, oldest due first.
    /// A key is due when it has no retry yet, or when its last attempt's <see cref="RetryAttempt.NextRetryAt"/> has passed.
    /// </summary>
    /// <param name="now">The current time.</param>
    /// <param name="limit">The most candidates to return.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The candidates.</returns>
    ValueTask<IReadOnlyList<RetryCandidate>> GetRecordsNeedingRetryAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Records a retry attempt in the retry log and on the key (<c>retry_count</c>, <c>last_retry_at</c>;
    /// <c>retry_succeeded_at</c> on success, which also clears the key's retry flag; a final failed state when it gave up).
    /// </summary>
    /// <param name="attempt">The attempt.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the attempt is recorded.</returns>
    ValueTask RecordRetryAttemptAsync(RetryAttempt attempt, CancellationToken cancellationToken);

    /// <summary>Reads the retry log of a key, oldest first.</summary>
    /// <param name="stream">The stream.</param>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The attempts.</returns>
    ValueTask<IReadOnlyList<RetryAttempt>> GetRetryLogAsync(StreamId stream, string key, CancellationToken cancellationToken);

    /// <summary>
    /// Lists partial keys whose retries gave up (the last attempt was recorded with <see cref="RetryAttempt.GaveUp"/>),
    /// most recent attempt first, with their last error. The default implementation lists none; a store should override it.
    /// </summary>
    /// <param name="limit">The most keys to return.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The keys that gave up; <see cref="RetryCandidate.DueAt"/> is <see langword="null"/>.</returns>
    ValueTask<IReadOnlyList<RetryCandidate>> GetRetriesGivenUpAsync(int limit, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<RetryCandidate>>([]);

    /// <summary>
    /// Makes partial keys that wait for a retry due at <paramref name="now"/> (a manual "retry now"): one key, or every
    /// waiting key of the stream when <paramref name="key"/> is <see langword="null"/>. Keys whose retries gave up,
    /// succeeded or were resolved are left alone. The default implementation changes nothing; a store should override it.
    /// </summary>
    /// <param name="stream">The stream.</param>
    /// <param name="key">The key, or <see langword="null"/> for all of the stream's waiting keys.</param>
    /// <param name="now">The time the keys become due.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>How many keys were made due.</returns>
    ValueTask<int> MakeRetryDueAsync(StreamId stream, string? key, DateTimeOffset now, CancellationToken cancellationToken) =>
        ValueTask.FromResult(0);
}
