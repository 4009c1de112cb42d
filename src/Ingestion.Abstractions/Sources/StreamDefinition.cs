namespace Ingestion;

/// <summary>
/// One entity endpoint of a source: its request, paginator, record selector, key, sync mode and guards.
/// A stream with a <see cref="Parent"/> is a child stream: it runs once per parent record, with the
/// parent's fields substituted into its path (<c>employees/{id}/employments</c>).
/// </summary>
public sealed class StreamDefinition
{
    // Created on first use, so a definition that names its own selector never builds the default one.
    private RecordSelector? _records;

    /// <summary>The stream name, unique within its source (for example <c>employees</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The HTTP method of the first request. Defaults to GET.</summary>
    public HttpMethod Method { get; init; } = HttpMethod.Get;

    /// <summary>
    /// The path relative to the source's base address, or an absolute URL. May contain <c>{placeholders}</c>
    /// that are filled from the parent record (child streams) with values URL-escaped.
    /// </summary>
    public required string Path { get; init; }

    /// <summary>Query parameters added to the first request.</summary>
    public IReadOnlyDictionary<string, string> Query { get; init; } = new Dictionary<string, string>();

    /// <summary>Headers added to every request of this stream.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>The body of the first request (for example a GraphQL query), or empty.</summary>
    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>The content type of <see cref="Body"/>. Defaults to <c>application/json</c>.</summary>
    public string BodyContentType { get; init; } = "application/json";

    /// <summary>Turns one response into the next request, or stops. Defaults to a single request.</summary>
    public IPaginator Paginator { get; init; } = Paginators.None();

    /// <summary>Finds the records in a response body. Defaults to the JSON root (array or single object).</summary>
    public RecordSelector Records
    {
        get => _records ??= RecordSelector.Json("$");
        init => _records = value;
    }

    /// <summary>
    /// Where each record's key is, as a <see cref="JsonPath"/> into the record (for example <c>$.id</c> or <c>id</c>).
    /// <see langword="null"/> means the key is the parent key (child streams that return one record per parent).
    /// </summary>
    public string? KeyPath { get; init; } = "id";

    /// <summary>Full snapshot or incremental.</summary>
    public SyncMode Mode { get; init; } = SyncMode.FullSnapshot;

    /// <summary>The incremental cursor; required when <see cref="Mode"/> is <see cref="SyncMode.Incremental"/>.</summary>
    public IncrementalSettings? Incremental { get; init; }

    /// <summary>Protects the last good snapshot of a full-snapshot stream.</summary>
    public SnapshotGuardSettings SnapshotGuard { get; init; } = new();

    /// <summary>Bounds on paging: max pages, max records, delay between requests, silent truncation cap.</summary>
    public PagingLimits Limits { get; init; } = new();

    /// <summary>
    /// Paths (as <see cref="JsonPath"/> expressions relative to the record) ignored when hashing a record,
    /// so that volatile fields such as <c>fetchedAt</c> do not create new versions.
    /// </summary>
    public IReadOnlyList<string> IgnoredPaths { get; init; } = [];

    /// <summary>Retry this stream's requests even when the method is not idempotent (for example a GraphQL POST).</summary>
    public bool RetryNonIdempotent { get; init; }

    /// <summary>The parent stream this child fans out from, or <see langword="null"/> for a top-level stream.</summary>
    public ParentLink? Parent { get; init; }

    /// <summary>How many parent records a child stream fetches for at the same time. Defaults to 4.</summary>
    public int MaxConcurrency { get; init; } = 4;

    /// <summary>
    /// Optional rewrite of the first request before it is sent (for example to apply a vendor-specific filter
    /// or a watermark window). Runs after placeholders and <see cref="Incremental"/> are applied.
    /// </summary>
    public Func<PageRequest, StreamRequestContext, PageRequest>? PrepareRequest { get; init; }

    /// <summary>
    /// HTTP status codes that mean "there is no data here" rather than a failure (for example 404 on one parent's child
    /// resource): such a response is an empty page, so the run stays complete and a full snapshot marks the records it used to
    /// hold deleted. Empty by default: every error status is a failure.
    /// </summary>
    public IReadOnlySet<int> NoDataStatusCodes { get; init; } = new HashSet<int>();

    /// <summary>
    /// Whether a successful response with an empty (or blank) body is an empty page rather than an unreadable one. Defaults to
    /// <see langword="false"/>: an empty body where records were expected is retried and then kept as a partial record.
    /// </summary>
    public bool EmptyBodyMeansNoData { get; init; }

    /// <summary>
    /// A request budget of this stream on top of the source's <see cref="SourceDefinition.RateBudget"/>, or <see langword="null"/>
    /// (the default) for none. Streams given the same <see cref="Ingestion.RateBudget"/> instance share one budget (for example
    /// every collection endpoint of an API that limits collection requests per hour).
    /// </summary>
    public RateBudget? RateBudget { get; init; }
}

/// <summary>Links a child stream to its parent.</summary>
public sealed class ParentLink
{
    /// <summary>The parent stream's name, in the same source.</summary>
    public required string Stream { get; init; }

    /// <summary>
    /// Maps each path placeholder to a <see cref="JsonPath"/> into the parent record.
    /// Defaults to <c>{id}</c> ← the parent's key.
    /// </summary>
    public IReadOnlyDictionary<string, string> Placeholders { get; init; } = new Dictionary<string, string>();
}

/// <summary>What a stream's first request is prepared with.</summary>
public sealed class StreamRequestContext
{
    /// <summary>The stream being prepared.</summary>
    public required StreamDefinition Stream { get; init; }

    /// <summary>The watermark the run starts from, already moved back by the overlap; <see langword="null"/> on a first run.</summary>
    public string? Watermark { get; init; }

    /// <summary>The time the run started.</summary>
    public required DateTimeOffset RunStartedAt { get; init; }

    /// <summary>The parent record's key, for child streams.</summary>
    public string? ParentKey { get; init; }

    /// <summary>Caller-supplied parameters of this run (for example a backfill range or a group filter).</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Records an issue on the run (for example a filter that could not be applied). Set by the runner; does nothing when the
    /// context was built elsewhere.
    /// </summary>
    public Action<SyncIssue> ReportIssue { get; init; } = static _ => { };

    /// <summary>
    /// Says that the prepared request covers only part of the stream's data set (a per-run filter): a full-snapshot run then
    /// marks nothing deleted and leaves the snapshot guard's count alone. Set by the runner; does nothing when the context was
    /// built elsewhere.
    /// </summary>
    public Action MarkPartialView { get; init; } = static () => { };
}
