using System.IO.Hashing;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Timeout;

namespace Ingestion.Fetching.Internal;

/// <summary>
/// The HTTP <see cref="IFetcher"/>: sends each page through the sources' client (the source's resilience pipeline with its
/// retries and circuit breaker, then the attempt and authentication handlers: rate budget, attempt timeout, redirects), which reads the body into a pooled buffer; it selects records and keys, and asks the paginator
/// for the next request, with the engine's guards around every paginator: page and record bounds, repeated requests,
/// repeated pages, a delay between requests and the silent-truncation flag.
/// </summary>
internal sealed partial class HttpFetcher(IHttpClientFactory clientFactory, SourceHttpRegistry registry, TimeProvider time) : IFetcher
{
    // A run of failed pages usually means the rest fails too.
    private const int MaxPagesSkippedInARow = 3;

    public async IAsyncEnumerable<FetchedPage> FetchAsync(FetchRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var source = request.Source;
        var stream = request.Stream;
        var state = registry.GetOrAdd(source);
        var logger = state.Logger;
        var keyField = stream.KeyPath is { } keyPath ? ParseKeyPath(source, stream, keyPath) : null;
        var limits = stream.Limits;
        var client = clientFactory.CreateClient(SourceHttpRegistry.ClientName);
        // Fingerprints rather than requests, so a run of a million pages does not keep a million URLs alive.
        var fingerprinter = new XxHash128();
        var seen = new HashSet<UInt128> { Fingerprint(fingerprinter, request.FirstRequest) };

        // The selector fills this list page after page; each page's records are copied out with their keys before the next request.
        var selectionBuffer = new List<ReadOnlyMemory<byte>>();

        // The previous page's response stays alive one page longer, so a repeated page is detected by comparing
        // bodies exactly (a vectorized compare, only when the lengths match) instead of hashing every body.
        HttpResponseMessage? previous = null;
        HttpResponseMessage? latest = null;
        long recordTotal = 0;
        var previousReplaced = false;
        var skippedInARow = 0;
        var current = request.FirstRequest;

        try
        {
        for (var pageNumber = 1; ; pageNumber++)
        {
            var started = time.GetTimestamp();
            if (pageNumber > 1 && limits.DelayBetweenRequests > TimeSpan.Zero && !cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(limits.DelayBetweenRequests, time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // reported as a cancelled page below
                }
            }

            if (cancellationToken.IsCancellationRequested)
            {
                yield return Cancelled(pageNumber, current, started, attempts: 0);
                yield break;
            }

            if (pageNumber == 1 && state.Hosts.Judge(current.Uri, current.Uri, out var refusal) == HostTrustLevel.Refused)
            {
                // A first request built from data (a resumed checkpoint, a URL a parent record gave) is held to the same rule as a next page.
                yield return UntrustedFirstRequest(current, refusal, source, started);
                yield break;
            }

            // Sent from here rather than from an asynchronous method of its own, which would cost every page another frame.
            var attempt = NewAttempt(state, stream, current, selectionBuffer);
            HttpResponseMessage? received = null;
            Exception? thrown = null;
            using (var message = NewMessage(state.Source, stream, current, attempt))
            {
                try
                {
                    received = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is not OutOfMemoryException)
                {
                    thrown = exception;
                }
            }

            var sent = await ConcludeAsync(state, stream, current, attempt, received, thrown, started, cancellationToken).ConfigureAwait(false);
            var response = sent.Response;
            previous?.Dispose();
            previous = latest;
            latest = response;
            if (!sent.Outcome.IsSuccess && sent.Outcome.HttpStatusCode is { } noDataCode && sent.Outcome.Status is not FetchStatus.Cancelled
                && stream.NoDataStatusCodes.Contains(noDataCode))
            {
                // The stream says this status means "nothing here" (a parent without the child resource): an empty, complete page.
                FetchLog.PageFetched(logger, pageNumber, source.Name, stream.Name, 0, noDataCode, sent.Outcome.Attempts, 0);
                skippedInARow = 0;
                yield return new FetchedPage
                {
                    PageNumber = pageNumber,
                    Request = current,
                    Outcome = sent.Outcome with { Status = FetchStatus.Success, Error = null, IssueKind = null },
                    Records = [],
                    Issues = [],
                    StopReason = PageStopReason.EmptyPage,
                    RequestCount = sent.Requests,
                };
                yield break;
            }

            if (!sent.Outcome.IsSuccess)
            {
                FetchLog.PageFailed(logger, pageNumber, source.Name, stream.Name, state.Redact(current.Uri), sent.Outcome.Status, sent.Outcome.Attempts, sent.Outcome.Error);
                var failedPage = SkipPast(FailedPage(pageNumber, current, sent, source), stream, limits, seen, fingerprinter, ref skippedInARow);
                yield return failedPage;
                if (failedPage.NextRequest is not { } afterFailure)
                {
                    yield break;
                }

                current = afterFailure;
                continue;
            }

            var body = response!.Content is PooledBufferContent pooled ? pooled.Memory : ReadOnlyMemory<byte>.Empty;
            var issues = new List<SyncIssue>(0);
            if (sent.Outcome.Attempts > 1 || sent.Outcome.Notes.Count > 0)
            {
                // The data arrived, but the run should still say what it took (retries, a credential refresh).
                issues.Add(new SyncIssue(IssueKind.RetrySucceeded, $"Page {pageNumber} succeeded after {sent.Requests} requests: {string.Join("; ", sent.Outcome.Notes)}"));
            }

            List<FetchedRecord> records;
            var stop = PageStopReason.None;
            PageRequest? next = null;

            if (response.StatusCode == HttpStatusCode.NoContent)
            {
                records = [];
                stop = PageStopReason.EmptyPage;
            }
            else if (IsBlank(body.Span) && stream.EmptyBodyMeansNoData)
            {
                records = [];
                stop = PageStopReason.EmptyPage;
            }
            else if (IsBlank(body.Span))
            {
                var emptyPage = SkipPast(
                    UnreadableBody(state, stream, pageNumber, current, sent, FetchStatus.Empty, "the response body was empty where records were expected", IssueKind.Empty, $"Page {pageNumber} had an empty body where records were expected."),
                    stream, limits, seen, fingerprinter, ref skippedInARow);
                yield return emptyPage;
                if (emptyPage.NextRequest is not { } afterEmpty)
                {
                    yield break;
                }

                current = afterEmpty;
                continue;
            }
            else
            {
                // Read inside the attempt, so an unreadable body was retried; it is read here only when no attempt read it.
                var selection = sent.Selection ?? SelectRecords(stream.Records, body, selectionBuffer);

                if (!selection.Succeeded)
                {
                    var error = state.Redact(selection.Error) + (sent.Outcome.Attempts > 1 ? $" (the last of {sent.Outcome.Attempts} attempts)" : string.Empty);
                    var malformedPage = SkipPast(
                        UnreadableBody(state, stream, pageNumber, current, sent, FetchStatus.MalformedBody, error, IssueKind.MalformedBody, $"Page {pageNumber} could not be read: {error}"),
                        stream, limits, seen, fingerprinter, ref skippedInARow);
                    yield return malformedPage;
                    if (malformedPage.NextRequest is not { } afterMalformed)
                    {
                        yield break;
                    }

                    current = afterMalformed;
                    continue;
                }

                skippedInARow = 0;
                records = SelectKeys(selection.Records, keyField, stream, request.ParentKey, pageNumber, issues);
            }

            // Record bound: keep what fits, then stop.
            if (recordTotal + records.Count > limits.MaxRecords)
            {
                var room = (int)Math.Max(0, limits.MaxRecords - recordTotal);
                records.RemoveRange(room, records.Count - room);
                stop = PageStopReason.MaxRecords;
                issues.Add(new SyncIssue(IssueKind.MaxRecordsReached, $"Paging stopped at {limits.MaxRecords} records (PagingLimits.MaxRecords); later records were not fetched."));
            }

            recordTotal += records.Count;

            // A page identical to the one before means the API ignores the paging parameters.
            // (After a replaced page the request was narrowed on purpose, so the same rows again are no loop; nor are two empty
            // pages in a row, as when windows over a quiet period come back empty: repeated requests are caught below.)
            if (stop == PageStopReason.None && !previousReplaced && records.Count > 0 && previous?.Content is PooledBufferContent before && before.Memory.Span.SequenceEqual(body.Span))
            {
                stop = PageStopReason.Cycle;
                issues.Add(new SyncIssue(IssueKind.PagingCycle, $"Page {pageNumber} is identical to page {pageNumber - 1}; paging stopped so it cannot loop."));
            }


            if (stop == PageStopReason.None)
            {
                PageDecision decision;
                try
                {
                    decision = stream.Paginator.Next(current, new PageResponse((int)response.StatusCode, response.Headers, body, records.Count));
                }
                catch (Exception exception) when (exception is not OutOfMemoryException)
                {
                    decision = PageDecision.Stop(PageStopReason.Failed);
                    issues.Add(new SyncIssue(IssueKind.MalformedBody, $"The paginator could not read page {pageNumber}: {state.Redact(exception.Message)}", HttpStatusCode: (int)response.StatusCode));
                }

                stop = decision.StopReason;
                next = decision.NextRequest;
                previousReplaced = decision.ReplacesPage && next is not null;
                if (previousReplaced)
                {
                    // The paginator judged the page incomplete: its records are dropped and a narrower request covers them again.
                    issues.Add(new SyncIssue(IssueKind.PageReplaced, $"Page {pageNumber} looked truncated ({records.Count} records); its records were set aside and a narrower request ({next!.Method} {state.Redact(next.Uri)}) fetches them again."));
                    recordTotal -= records.Count;
                    records.Clear();
                }
                if (next is not null && state.Hosts.Judge(current.Uri, next.Uri, out var reason) == HostTrustLevel.Refused)
                {
                    issues.Add(new SyncIssue(IssueKind.UntrustedHost, $"The request after page {pageNumber} points to {HostTrust.Describe(next.Uri)}, which was not followed: {reason}. Paging stopped so the source's credentials stay with its own hosts (SourceDefinition.AllowedHosts lists others it may use)."));
                    next = null;
                    stop = PageStopReason.UntrustedHost;
                }
                else if (next is not null)
                {
                    if (pageNumber >= limits.MaxPages)
                    {
                        next = null;
                        stop = PageStopReason.MaxPages;
                        issues.Add(new SyncIssue(IssueKind.MaxPagesReached, $"Paging stopped after {limits.MaxPages} pages (PagingLimits.MaxPages); later pages were not fetched."));
                    }
                    else if (!seen.Add(Fingerprint(fingerprinter, next)))
                    {
                        issues.Add(new SyncIssue(IssueKind.PagingCycle, $"The request after page {pageNumber} repeats an earlier request ({next.Method} {state.Redact(next.Uri)}); paging stopped so it cannot loop."));
                        next = null;
                        stop = PageStopReason.Cycle;
                    }
                }
                else if (stop == PageStopReason.None)
                {
                    stop = PageStopReason.NoNextPage;
                }
            }

            if (stop != PageStopReason.None && stop != PageStopReason.Failed && limits.SilentTruncationCap is { } cap && records.Count == cap)
            {
                issues.Add(new SyncIssue(IssueKind.SuspiciousTruncation, $"The last page had exactly {cap} records, the size cap of an API that truncates silently (PagingLimits.SilentTruncationCap); records may be missing."));
            }

            foreach (var issue in issues)
            {
                if (issue.Kind is IssueKind.PagingCycle or IssueKind.MaxPagesReached or IssueKind.MaxRecordsReached or IssueKind.SuspiciousTruncation or IssueKind.UntrustedHost)
                {
                    FetchLog.PagingGuard(logger, source.Name, stream.Name, pageNumber, issue.Message);
                }
            }

            FetchLog.PageFetched(logger, pageNumber, source.Name, stream.Name, records.Count, (int)response.StatusCode, sent.Outcome.Attempts, body.Length);

            // The records slice the pooled body: it stays valid at least until the consumer asks for the next page
            // (it is returned to the pool one page later, or when the sequence ends).
            yield return new FetchedPage
            {
                PageNumber = pageNumber,
                Request = current,
                Outcome = sent.Outcome,
                Records = records,
                Issues = issues.Count == 0 ? [] : issues,
                NextRequest = next,
                StopReason = stop,
                RequestCount = sent.Requests,
            };

            if (next is null)
            {
                yield break;
            }

            current = next;
        }
        }
        finally
        {
            previous?.Dispose();
            latest?.Dispose();
        }
    }

    // A response that arrived but cannot be used: an empty body, or one the record selector could not read.
    private static FetchedPage UnreadableBody(SourceHttpState state, StreamDefinition stream, int pageNumber, PageRequest request, Sent sent, FetchStatus status, string error, IssueKind kind, string message)
    {
        var outcome = sent.Outcome with { Status = status, Error = error };
        FetchLog.PageFailed(state.Logger, pageNumber, state.Source.Name, stream.Name, state.Redact(request.Uri), status, outcome.Attempts, error);
        return new FetchedPage
        {
            PageNumber = pageNumber,
            Request = request,
            Outcome = outcome,
            Issues = [new SyncIssue(kind, message, HttpStatusCode: outcome.HttpStatusCode)],
            StopReason = PageStopReason.Failed,
            RequestCount = sent.Requests,
        };
    }

    // Failures that say nothing about the pages after this one: a server error, an unreadable or empty body, a missing page.
    // Credentials, rate limits, an open circuit, an exhausted budget and cancellation stop paging as before.
    private static bool CanSkip(FetchStatus status) =>
        status is FetchStatus.Transient or FetchStatus.MalformedBody or FetchStatus.Empty or FetchStatus.NotFound or FetchStatus.ClientError;

    /// <summary>
    /// Lets paging go on after a page that failed for good when the paginator can compute the next request without it, at most
    /// <see cref="MaxPagesSkippedInARow"/> pages in a row (a run of failures usually means the rest fails too).
    /// </summary>
    private static FetchedPage SkipPast(FetchedPage failed, StreamDefinition stream, PagingLimits limits, HashSet<UInt128> seen, XxHash128 fingerprinter, ref int skippedInARow)
    {
        if (stream.Paginator is not ISkippingPaginator skipping
            || !CanSkip(failed.Outcome.Status)
            || skippedInARow >= MaxPagesSkippedInARow
            || failed.PageNumber >= limits.MaxPages
            || skipping.NextAfterFailure(failed.Request) is not { } next
            || !seen.Add(Fingerprint(fingerprinter, next)))
        {
            return failed;
        }

        skippedInARow++;
        return new FetchedPage
        {
            PageNumber = failed.PageNumber,
            Request = failed.Request,
            Outcome = failed.Outcome,
            RequestCount = failed.RequestCount,
            NextRequest = next,
            StopReason = PageStopReason.None,
            Issues = [.. failed.Issues, new SyncIssue(IssueKind.PageSkipped, $"Page {failed.PageNumber} failed for good and was skipped: paging went on with the next page, and the failed page is kept as a partial record to retry.", HttpStatusCode: failed.Outcome.HttpStatusCode)],
        };
    }

    internal static bool IsIdempotent(HttpMethod method) =>
        method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Put || method == HttpMethod.Delete || method == HttpMethod.Options;

    internal static string DescribeException(Exception exception)
    {
        var inner = exception;
        while (inner.InnerException is not null && inner is HttpRequestException or AggregateException)
        {
            inner = inner.InnerException;
        }

        return inner == exception
            ? $"{exception.GetType().Name}: {exception.Message}"
            : $"{exception.GetType().Name}: {exception.Message} ({inner.GetType().Name}: {inner.Message})";
    }

    private static JsonPath ParseKeyPath(SourceDefinition source, StreamDefinition stream, string keyPath)
    {
        try
        {
            return JsonPath.Parse(keyPath);
        }
        catch (FormatException exception)
        {
            throw new ArgumentException($"The key path '{keyPath}' of stream '{source.Name}/{stream.Name}' is not valid: {exception.Message}", nameof(stream), exception);
        }
    }

    private static List<FetchedRecord> SelectKeys(IReadOnlyList<ReadOnlyMemory<byte>> selected, JsonPath? keyField, StreamDefinition stream, string? parentKey, int pageNumber, List<SyncIssue> issues)
    {
        var records = new List<FetchedRecord>(selected.Count);
        for (var i = 0; i < selected.Count; i++)
        {
            var payload = selected[i];
            var key = keyField is null ? parentKey : keyField.TryGetString(payload.Span, out var found) ? found : null;
            if (string.IsNullOrEmpty(key))
            {
                issues.Add(new SyncIssue(
                    IssueKind.MissingKey,
                    keyField is null
                        ? $"Record {i + 1} of page {pageNumber} has no key: the stream has no key path and no parent key was given; the record was skipped."
                        : $"Record {i + 1} of page {pageNumber} has no key at '{stream.KeyPath}'; the record was skipped."));
                continue;
            }

            records.Add(new FetchedRecord(key, payload));
        }

        return records;
    }

    /// <summary>
    /// 128 bits of XxHash128 over what makes two requests equal (method, URI as written, body, paging state). A hash, not a digest:
    /// the requests come from the paginator, and an API that wanted paging to loop or stop could send a repeated URL as easily as a
    /// colliding one, so a cryptographic hash would buy nothing for its cost on every page.
    /// </summary>
    private static UInt128 Fingerprint(XxHash128 hash, PageRequest request)
    {
        ReadOnlySpan<byte> separator = [0];
        AppendUtf8(hash, request.Method.Method);
        hash.Append(separator);
        AppendUtf8(hash, request.Uri.OriginalString);
        hash.Append(separator);
        hash.Append(request.Body.Span);
        hash.Append(separator);
        AppendUtf8(hash, request.PagingState ?? string.Empty);
        var fingerprint = hash.GetCurrentHashAsUInt128();
        hash.Reset();
        return fingerprint;
    }

    private static void AppendUtf8(XxHash128 hash, string text)
    {
        var length = System.Text.Encoding.UTF8.GetMaxByteCount(text.Length);
        var rented = length <= 512 ? null : System.Buffers.ArrayPool<byte>.Shared.Rent(length);
        var buffer = rented ?? stackalloc byte[512];
        var written = System.Text.Encoding.UTF8.GetBytes(text, buffer);
        hash.Append(buffer[..written]);
        if (rented is not null)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    internal static bool IsBlank(ReadOnlySpan<byte> body) => body.IsEmpty || body.IndexOfAnyExcept(" \t\r\n"u8) < 0;
}
