namespace Ingestion;

/// <summary>
/// One batch of records for the raw store, written in one transaction together with the stream's new
/// sync state (watermark and page checkpoint): both commit, or neither does.
/// </summary>
public sealed class RawBatch
{
    /// <summary>The stream the records belong to.</summary>
    public required StreamId Stream { get; init; }

    /// <summary>The run that fetched them.</summary>
    public required Guid RunId { get; init; }

    /// <summary>When they were fetched; becomes <c>first_seen_at</c>/<c>last_verified_at</c>.</summary>
    public required DateTimeOffset FetchedAt { get; init; }

    /// <summary>The records. A key appears at most once per batch.</summary>
    public required IReadOnlyList<RawRecordWrite> Records { get; init; }

    /// <summary>The stream's sync state after this batch, saved in the same transaction; <see langword="null"/> leaves it unchanged.</summary>
    public SyncState? State { get; init; }

    /// <summary>
    /// The hasher that made the records' hashes (with the stream's ignored paths). A store whose stored hash of a key was made
    /// with another algorithm hashes the record again with <see cref="ContentHasher.WithAlgorithm"/> to compare like with like.
    /// <see langword="null"/> (the default) means <see cref="ContentHasher.Default"/>'s paths: none ignored.
    /// </summary>
    public ContentHasher? Hasher { get; init; }

    /// <summary>
    /// Whether the batch may only be written while run <see cref="RunId"/> holds the stream's lease (<see cref="IStreamLeases"/>).
    /// A store with leases checks it in the batch's transaction and keeps the lease from changing hands until the batch
    /// commits, so a run whose lease lapsed and was taken by another run cannot commit after it; it then throws
    /// <see cref="StreamLeaseLostException"/> and writes nothing. A store without leases ignores it. Defaults to
    /// <see langword="false"/>.
    /// </summary>
    public bool RequiresLease { get; init; }
}

/// <summary>One record to write.</summary>
public sealed class RawRecordWrite
{
    /// <summary>The record key.</summary>
    public required string Key { get; init; }

    /// <summary>The record as UTF-8 bytes, normally JSON. May be empty for a failed fetch. The store copies it.</summary>
    public required ReadOnlyMemory<byte> Payload { get; init; }

    /// <summary>The content hash (see <see cref="ContentHasher"/>); for invalid JSON, the hash of the raw bytes.</summary>
    public required ContentHash Hash { get; init; }

    /// <summary>Whether the record is incomplete (its fetch failed or part of it is missing) and should be retried.</summary>
    public bool IsPartial { get; init; }

    /// <summary>What went wrong collecting it.</summary>
    public IReadOnlyList<SyncIssue> Issues { get; init; } = [];

    /// <summary>The HTTP status code of the failed fetch, if any.</summary>
    public int? HttpStatusCode { get; init; }

    /// <summary>The error of the failed fetch, if any. Never contains secrets.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>Whether a later retry may succeed; <see langword="false"/> for permanent failures (401, 403, 404). Only meaningful when <see cref="IsPartial"/>.</summary>
    public bool IsRetryable { get; init; } = true;

    /// <summary>The request that fetches this record again (a serialized <see cref="PageRequest"/>), for partial-record retry.</summary>
    public string? RetryRequest { get; init; }
}

/// <summary>What a batch did.</summary>
public sealed class RawBatchResult
{
    /// <summary>Keys seen for the first time.</summary>
    public int New { get; init; }

    /// <summary>Keys whose content changed: a new version became latest.</summary>
    public int Changed { get; init; }

    /// <summary>Keys whose content was unchanged: only <c>last_verified_at</c> moved.</summary>
    public int Unchanged { get; init; }

    /// <summary>Partial records stored.</summary>
    public int Partial { get; init; }

    /// <summary>The keys that are new or changed (for derivation), in batch order.</summary>
    public IReadOnlyList<string> ChangedKeys { get; init; } = [];

    /// <summary>Records the store flagged (invalid JSON, <c>\u0000</c>, too large), each stored raw.</summary>
    public IReadOnlyList<SyncIssue> Issues { get; init; } = [];
}
