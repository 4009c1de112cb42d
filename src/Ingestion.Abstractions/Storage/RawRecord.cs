namespace Ingestion;

/// <summary>One stored version of a record.</summary>
public sealed class RawRecord
{
    /// <summary>The stream.</summary>
    public required StreamId Stream { get; init; }

    /// <summary>The record key.</summary>
    public required string Key { get; init; }

    /// <summary>The version number, 1 for the first version of a key.</summary>
    public required int Version { get; init; }

    /// <summary>Whether this is the key's latest version.</summary>
    public required bool IsLatest { get; init; }

    /// <summary>The payload as stored: the vendor's JSON, or the raw bytes when it was not storable as JSON.</summary>
    public required ReadOnlyMemory<byte> Payload { get; init; }

    /// <summary>Whether <see cref="Payload"/> is valid JSON stored as JSON (<see langword="false"/> when stored raw and flagged).</summary>
    public bool IsJson { get; init; } = true;

    /// <summary>The content hash.</summary>
    public required ContentHash Hash { get; init; }

    /// <summary>When this key was first seen.</summary>
    public required DateTimeOffset FirstSeenAt { get; init; }

    /// <summary>When this version was written.</summary>
    public required DateTimeOffset FetchedAt { get; init; }

    /// <summary>When the key's content was last confirmed unchanged.</summary>
    public required DateTimeOffset LastVerifiedAt { get; init; }

    /// <summary>When the key went missing from a complete snapshot (soft delete), or <see langword="null"/>.</summary>
    public DateTimeOffset? DeletedAt { get; init; }

    /// <summary>Whether the record is incomplete.</summary>
    public bool IsPartial { get; init; }

    /// <summary>What went wrong collecting it.</summary>
    public IReadOnlyList<SyncIssue> Issues { get; init; } = [];

    /// <summary>The HTTP status code of a failed fetch.</summary>
    public int? HttpStatusCode { get; init; }

    /// <summary>The error of a failed fetch.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>The run that wrote this version.</summary>
    public Guid RunId { get; init; }
}

/// <summary>The retry state of a partial record (see <see cref="IRetryLog.GetRecordsNeedingRetryAsync"/>).</summary>
public sealed class RetryCandidate
{
    /// <summary>The stream.</summary>
    public required StreamId Stream { get; init; }

    /// <summary>The record key.</summary>
    public required string Key { get; init; }

    /// <summary>Retries made so far.</summary>
    public required int RetryCount { get; init; }

    /// <summary>When the last retry ran, or <see langword="null"/>.</summary>
    public DateTimeOffset? LastRetryAt { get; init; }

    /// <summary>The request that fetches the record again, if known.</summary>
    public string? RetryRequest { get; init; }

    /// <summary>
    /// When the key became due: for a key never retried, when its failed fetch was stored (so a retry policy can wait its first
    /// delay from then); otherwise the time its last attempt set. <see langword="null"/> when the store does not know.
    /// </summary>
    public DateTimeOffset? DueAt { get; init; }

    /// <summary>The last error.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>The last HTTP status code.</summary>
    public int? HttpStatusCode { get; init; }
}

/// <summary>One retry attempt of a partial record, for the retry log.</summary>
public sealed class RetryAttempt
{
    /// <summary>The stream.</summary>
    public required StreamId Stream { get; init; }

    /// <summary>The record key.</summary>
    public required string Key { get; init; }

    /// <summary>The attempt number, 1 for the first retry.</summary>
    public required int Attempt { get; init; }

    /// <summary>When it ran.</summary>
    public required DateTimeOffset AttemptedAt { get; init; }

    /// <summary>Whether it succeeded.</summary>
    public required bool Succeeded { get; init; }

    /// <summary>The HTTP status code, if any.</summary>
    public int? HttpStatusCode { get; init; }

    /// <summary>The error, if it failed.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>When the next retry is due, or <see langword="null"/> when there is none (succeeded, or given up).</summary>
    public DateTimeOffset? NextRetryAt { get; init; }

    /// <summary>Whether the record is given up on (the final <c>failed</c> state).</summary>
    public bool GaveUp { get; init; }
}

/// <summary>A filter over the latest versions of a stream's records.</summary>
public sealed class RawRecordQuery
{
    /// <summary>Only records whose top-level field <see cref="FieldName"/> equals <see cref="FieldValue"/> (compared as text); <see langword="null"/> for all.</summary>
    public string? FieldName { get; init; }

    /// <summary>The value <see cref="FieldName"/> must have.</summary>
    public string? FieldValue { get; init; }

    /// <summary>
    /// Further conditions on top-level fields, all of which must hold together with <see cref="FieldName"/>: each accepts a
    /// record whose field equals any of its values (compared as text). Defaults to none. A deriver narrows its read with them
    /// (one person's entries of three days, rather than all of that person's entries).
    /// </summary>
    public IReadOnlyList<RawFieldMatch> AlsoMatching { get; init; } = [];

    /// <summary>Whether soft-deleted records are included. Defaults to <see langword="false"/>.</summary>
    public bool IncludeDeleted { get; init; }
}

/// <summary>A condition of a <see cref="RawRecordQuery"/>: the top-level field <see cref="FieldName"/> equals one of <see cref="Values"/>.</summary>
public sealed class RawFieldMatch
{
    /// <summary>The top-level field.</summary>
    public required string FieldName { get; init; }

    /// <summary>The accepted values, compared as text (a string field by its value, a number by its JSON text); none accepts nothing.</summary>
    public required IReadOnlyList<string> Values { get; init; }
}
