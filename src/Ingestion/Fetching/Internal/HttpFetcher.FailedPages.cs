using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Timeout;

namespace Ingestion.Fetching.Internal;

/// <summary>The pages the fetcher reports when a request was not sent or did not succeed.</summary>
internal sealed partial class HttpFetcher
{
    private FetchedPage Cancelled(int pageNumber, PageRequest request, long started, int attempts) => new()
    {
        PageNumber = pageNumber,
        Request = request,
        Outcome = new FetchOutcome { Status = FetchStatus.Cancelled, Elapsed = time.GetElapsedTime(started), Attempts = Math.Max(1, attempts), Error = "the fetch was cancelled" },
        StopReason = PageStopReason.Cancelled,
        RequestCount = 0,
    };

    private FetchedPage UntrustedFirstRequest(PageRequest request, string reason, SourceDefinition source, long started)
    {
        var error = $"the request to {HostTrust.Describe(request.Uri)} was not sent: {reason}";
        return new FetchedPage
        {
            PageNumber = 1,
            Request = request,
            Outcome = new FetchOutcome { Status = FetchStatus.ClientError, Elapsed = time.GetElapsedTime(started), Attempts = 1, Error = error, IssueKind = IssueKind.UntrustedHost },
            Issues = [new SyncIssue(IssueKind.UntrustedHost, $"Page 1 of source '{source.Name}' failed: {error} (SourceDefinition.AllowedHosts lists other hosts the source may use).")],
            StopReason = PageStopReason.Failed,
            RequestCount = 0,
        };
    }

    private static FetchedPage FailedPage(int pageNumber, PageRequest request, Sent sent, SourceDefinition source)
    {
        var outcome = sent.Outcome;
        var (stop, issues) = outcome.Status switch
        {
            FetchStatus.Cancelled => (PageStopReason.Cancelled, (IReadOnlyList<SyncIssue>)[]),
            FetchStatus.BudgetExhausted => (PageStopReason.BudgetExhausted, [new SyncIssue(IssueKind.BudgetExhausted, $"The rate budget of source '{source.Name}' ran out before page {pageNumber}: {outcome.Error}")]),
            _ => (PageStopReason.Failed, [new SyncIssue(outcome.IssueKind ?? outcome.Status.ToIssueKind(), $"Page {pageNumber} failed: {outcome.Status}{(outcome.HttpStatusCode is { } code ? $" (HTTP {code})" : string.Empty)}: {outcome.Error}", HttpStatusCode: outcome.HttpStatusCode)]),
        };

        return new FetchedPage
        {
            PageNumber = pageNumber,
            Request = request,
            Outcome = outcome,
            Issues = issues,
            StopReason = stop,
            RequestCount = sent.Requests,
        };
    }

    // Selection: the records the last attempt read from the body (null when the body was blank, or nothing was selected).
    private readonly record struct Sent(HttpResponseMessage? Response, FetchOutcome Outcome, int Requests, RecordSelection? Selection = null);
}
