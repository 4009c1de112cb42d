namespace Ingestion;

/// <summary>How a request ended, after its retries. HTTP faults are outcomes, not exceptions.</summary>
public enum FetchStatus
{
    /// <summary>The response was read.</summary>
    Success,

    /// <summary>Timeouts, 5xx or network failures outlasted the retries.</summary>
    Transient,

    /// <summary>429 with a wait longer than allowed, or retries spent on 429s.</summary>
    RateLimited,

    /// <summary>401 after one credential refresh: a configuration problem.</summary>
    Unauthorized,

    /// <summary>403; not retried.</summary>
    Forbidden,

    /// <summary>404; not retried.</summary>
    NotFound,

    /// <summary>The body could not be read as the stream expects.</summary>
    MalformedBody,

    /// <summary>An empty body where data was expected.</summary>
    Empty,

    /// <summary>The run was cancelled.</summary>
    Cancelled,

    /// <summary>The source's rate budget would have waited longer than allowed.</summary>
    BudgetExhausted,

    /// <summary>The source's circuit breaker was open.</summary>
    CircuitOpen,

    /// <summary>Another 4xx (for example 400 or 422): the API refused the request as invalid; not retried.</summary>
    ClientError,
}

/// <summary>The classified result of one request, including its retries.</summary>
public sealed record FetchOutcome
{
    /// <summary>How the request ended.</summary>
    public required FetchStatus Status { get; init; }

    /// <summary>The last HTTP status code seen, if a response arrived.</summary>
    public int? HttpStatusCode { get; init; }

    /// <summary>Time from the first attempt to the end, including backoff waits.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>How many attempts were made.</summary>
    public int Attempts { get; init; } = 1;

    /// <summary>A description of the failure, or <see langword="null"/> on success. Never contains secrets.</summary>
    public string? Error { get; init; }

    /// <summary>The issue kind the source's <see cref="SourceDefinition.InterpretError"/> gave the failure, or <see langword="null"/> for the one its <see cref="Status"/> implies.</summary>
    public IssueKind? IssueKind { get; init; }

    /// <summary>What happened along the way (for example "attempt 1: 503", "succeeded on retry 2").</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>Whether the request succeeded.</summary>
    public bool IsSuccess => Status == FetchStatus.Success;

    /// <summary>Whether retrying later could help (transient, rate limited, budget, circuit); 401/403/404 and malformed bodies are permanent.</summary>
    public bool IsRetryable => Status is FetchStatus.Transient or FetchStatus.RateLimited or FetchStatus.BudgetExhausted or FetchStatus.CircuitOpen or FetchStatus.Empty;
}
