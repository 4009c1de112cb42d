namespace Ingestion;

/// <summary>
/// Turns a stream into pages of records over HTTP, with the source's authentication, resilience and
/// rate budget. Every page, failed or not, is yielded with its classified outcome; the sequence ends
/// after the last page, a failure or a guard, and never throws for HTTP faults.
/// </summary>
public interface IFetcher
{
    /// <summary>Fetches a stream's pages, starting at <see cref="FetchRequest.FirstRequest"/>.</summary>
    /// <param name="request">What to fetch.</param>
    /// <param name="cancellationToken">Stops the fetch; the last page then has status <see cref="FetchStatus.Cancelled"/>.</param>
    /// <returns>The pages, one at a time; memory stays bounded by one page.</returns>
    IAsyncEnumerable<FetchedPage> FetchAsync(FetchRequest request, CancellationToken cancellationToken);
}

/// <summary>What to fetch.</summary>
public sealed class FetchRequest
{
    /// <summary>The source.</summary>
    public required SourceDefinition Source { get; init; }

    /// <summary>The stream.</summary>
    public required StreamDefinition Stream { get; init; }

    /// <summary>The first request, fully prepared (placeholders, watermark, paginator's first parameters), or a resumed checkpoint.</summary>
    public required PageRequest FirstRequest { get; init; }

    /// <summary>The parent record's key, for child streams; used as the record key when the stream has no key path.</summary>
    public string? ParentKey { get; init; }
}

/// <summary>One page of a fetch: its request, outcome, records and what comes next.</summary>
public sealed class FetchedPage
{
    /// <summary>The 1-based page number within the fetch.</summary>
    public required int PageNumber { get; init; }

    /// <summary>The request that produced this page.</summary>
    public required PageRequest Request { get; init; }

    /// <summary>How the request ended.</summary>
    public required FetchOutcome Outcome { get; init; }

    /// <summary>The page's records. Their payloads may share the page's buffer: copy what you keep beyond the page.</summary>
    public IReadOnlyList<FetchedRecord> Records { get; init; } = [];

    /// <summary>Issues found on this page (missing keys, cycles, truncation, bounds).</summary>
    public IReadOnlyList<SyncIssue> Issues { get; init; } = [];

    /// <summary>The request that follows this page, or <see langword="null"/> on the last page. Saved as the checkpoint with this page's batch.</summary>
    public PageRequest? NextRequest { get; init; }

    /// <summary>Why paging stopped after this page; <see cref="PageStopReason.None"/> when it continues.</summary>
    public PageStopReason StopReason { get; init; }

    /// <summary>How many HTTP requests this page took, including retries and credential refreshes.</summary>
    public int RequestCount { get; init; } = 1;
}

/// <summary>One record of a page.</summary>
/// <param name="Key">The record key.</param>
/// <param name="Payload">The record as UTF-8 JSON, exactly as the vendor sent it (or as transposed from a column-major or CSV body).</param>
public readonly record struct FetchedRecord(string Key, ReadOnlyMemory<byte> Payload);
