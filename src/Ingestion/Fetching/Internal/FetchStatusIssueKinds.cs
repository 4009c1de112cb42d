namespace Ingestion.Fetching.Internal;

/// <summary>The issue a failed fetch is reported as, when no handler or error interpreter named a more precise one.</summary>
internal static class FetchStatusIssueKinds
{
    public static IssueKind ToIssueKind(this FetchStatus status) => status switch
    {
        FetchStatus.Transient => IssueKind.Transient,
        FetchStatus.RateLimited => IssueKind.RateLimited,
        FetchStatus.Unauthorized => IssueKind.Unauthorized,
        FetchStatus.Forbidden => IssueKind.Forbidden,
        FetchStatus.NotFound => IssueKind.NotFound,
        FetchStatus.MalformedBody => IssueKind.MalformedBody,
        FetchStatus.Empty => IssueKind.Empty,
        FetchStatus.CircuitOpen => IssueKind.CircuitOpen,
        FetchStatus.BudgetExhausted => IssueKind.BudgetExhausted,
        FetchStatus.Cancelled => IssueKind.Cancelled,
        _ => IssueKind.Other,
    };
}
