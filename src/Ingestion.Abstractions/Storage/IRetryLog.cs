namespace Ingestion;

/// <summary>
/// The retry log of partial records: which ones are due for another fetch, and every attempt made. A raw store that keeps
/// partial records implements it too (the in-memory and PostgreSQL stores register one instance as both), so that the
/// engine's retry job (<see cref="IngestionJobTypes.RetryPartials"/>) can fetch them again; the state it changes on a key
/// (retry count, status, next retry) is the raw store's.
/// </summary>
public interface IRetryLog
{
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
    /// most recent attempt first, with their last error.
    /// </summary>
    /// <param name="limit">The most keys to return.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The keys that gave up; <see cref="RetryCandidate.DueAt"/> is <see langword="null"/>.</returns>
    ValueTask<IReadOnlyList<RetryCandidate>> GetRetriesGivenUpAsync(int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Makes partial keys that wait for a retry due at <paramref name="now"/> (a manual "retry now"): one key, or every
    /// waiting key of the stream when <paramref name="key"/> is <see langword="null"/>. Keys whose retries gave up,
    /// succeeded or were resolved are left alone.
    /// </summary>
    /// <param name="stream">The stream.</param>
    /// <param name="key">The key, or <see langword="null"/> for all of the stream's waiting keys.</param>
    /// <param name="now">The time the keys become due.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>How many keys were made due.</returns>
    ValueTask<int> MakeRetryDueAsync(StreamId stream, string? key, DateTimeOffset now, CancellationToken cancellationToken);
}
