namespace Ingestion;

/// <summary>Something that went wrong or looks wrong in a run, recorded without failing the run.</summary>
/// <param name="Kind">What kind of issue it is.</param>
/// <param name="Message">A human-readable description. Never contains secrets.</param>
/// <param name="Key">The record key it concerns, if any.</param>
/// <param name="HttpStatusCode">The HTTP status code involved, if any.</param>
public sealed record SyncIssue(IssueKind Kind, string Message, string? Key = null, int? HttpStatusCode = null)
{
    /// <summary>How serious the issue is.</summary>
    public IssueSeverity Severity => Kind switch
    {
        IssueKind.RetrySucceeded or IssueKind.Overlap or IssueKind.PageReplaced or IssueKind.PartialResolved => IssueSeverity.Info,
        IssueKind.Unauthorized or IssueKind.Forbidden or IssueKind.Configuration => IssueSeverity.Error,
        _ => IssueSeverity.Warning,
    };
}

/// <summary>How serious an issue is.</summary>
public enum IssueSeverity
{
    /// <summary>Worth knowing; nothing is wrong.</summary>
    Info,

    /// <summary>Something was degraded or skipped; data may be incomplete.</summary>
    Warning,

    /// <summary>Something needs a person (credentials, configuration).</summary>
    Error,
}

/// <summary>The kinds of issue a run can record.</summary>
public enum IssueKind
{
    /// <summary>A timeout, 5xx or network failure that outlasted its retries.</summary>
    Transient,

    /// <summary>The API answered 429 and its wait was longer than allowed.</summary>
    RateLimited,

    /// <summary>The API answered 401 even after credentials were refreshed: a configuration problem.</summary>
    Unauthorized,

    /// <summary>The API answered 403.</summary>
    Forbidden,

    /// <summary>The API answered 404.</summary>
    NotFound,

    /// <summary>The body could not be read as the stream expects.</summary>
    MalformedBody,

    /// <summary>The body was empty where data was expected.</summary>
    Empty,

    /// <summary>A record had no key at the stream's key path.</summary>
    MissingKey,

    /// <summary>A record was not valid JSON; stored raw.</summary>
    InvalidJson,

    /// <summary>A record contained <c>\u0000</c>, which PostgreSQL's JSONB refuses; stored raw.</summary>
    NullCharacter,

    /// <summary>A record exceeded the store's payload size limit; stored raw.</summary>
    PayloadTooLarge,

    /// <summary>Paging repeated a request or a page and was stopped.</summary>
    PagingCycle,

    /// <summary>Paging hit the run's page bound.</summary>
    MaxPagesReached,

    /// <summary>Paging hit the run's record bound.</summary>
    MaxRecordsReached,

    /// <summary>The last page had exactly the size cap of an API that truncates silently.</summary>
    SuspiciousTruncation,

    /// <summary>The source's rate budget ran out; the run resumes from its checkpoint next time.</summary>
    BudgetExhausted,

    /// <summary>A full snapshot came back empty or much smaller than the last good one; nothing was deleted.</summary>
    SnapshotGuardTripped,

    /// <summary>The circuit breaker of the source was open.</summary>
    CircuitOpen,

    /// <summary>The run was cancelled.</summary>
    Cancelled,

    /// <summary>A configuration or definition problem.</summary>
    Configuration,

    /// <summary>A request succeeded after one or more retries.</summary>
    RetrySucceeded,

    /// <summary>The watermark was moved back by the overlap.</summary>
    Overlap,

    /// <summary>Anything else.</summary>
    Other,

    /// <summary>A key appeared more than once in one page; the last occurrence was kept.</summary>
    DuplicateKey,

    /// <summary>
    /// The store failed: a batch that could not be written (it and its state were not committed), or a record whose payload the
    /// database refused, which was stored raw instead.
    /// </summary>
    StoreFailure,

    /// <summary>A page looked truncated and was replaced by a narrower request (see <see cref="PageDecision.Replace"/>); nothing was lost.</summary>
    PageReplaced,

    /// <summary>
    /// A next-page URL or a redirect pointed to a host the source does not trust (see <see cref="SourceDefinition.AllowedHosts"/>),
    /// or from https to http; it was not followed, so the source's credentials were not sent there.
    /// </summary>
    UntrustedHost,

    /// <summary>A request was redirected more often than <see cref="SourceDefinition.MaxRedirects"/> allows.</summary>
    TooManyRedirects,

    /// <summary>A run stopped without finishing and was closed as <see cref="RunStatus.Abandoned"/>.</summary>
    RunAbandoned,

    /// <summary>
    /// The store could not be reached (connection refused or lost, server shutting down) even after retrying across a short
    /// outage; the run failed and what it had not committed is fetched again next run.
    /// </summary>
    StoreUnavailable,

    /// <summary>
    /// A page failed for good and paging went on with the pages after it (see <see cref="ISkippingPaginator"/>); the page is kept
    /// as a partial record and retried, and its records are missing until then.
    /// </summary>
    PageSkipped,

    /// <summary>
    /// A partial record (a failed page, or a parent whose children could not be fetched) that a later complete run no longer
    /// met: what it stood for was fetched, so it was resolved rather than deleted (see <see cref="IRawStore.ResolveMissingPartialsAsync"/>).
    /// </summary>
    PartialResolved,

    /// <summary>Another run held the stream's lease, so this run did not start (<see cref="RunStatus.Skipped"/>); the issue names that run and its host.</summary>
    AlreadyRunning,

    /// <summary>
    /// The run could not renew the stream's lease in time and another run took it; this run stopped writing at once, and what it
    /// had not committed is left to the run that holds the stream now.
    /// </summary>
    LeaseLost,
}
