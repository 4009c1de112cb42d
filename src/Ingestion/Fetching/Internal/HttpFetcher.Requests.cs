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

/// <summary>Sending one page request through the source's client and classifying what came back.</summary>
internal sealed partial class HttpFetcher
{
    private static FetchAttempt NewAttempt(SourceHttpState state, StreamDefinition stream, PageRequest page, List<ReadOnlyMemory<byte>> selectionBuffer) =>
        new(stream.Name, IsIdempotent(page.Method) || stream.RetryNonIdempotent, state)
        {
            Selector = stream.Records,
            SelectionBuffer = selectionBuffer,
            StreamBudget = state.StreamBudget(stream.RateBudget),
        };

    private static HttpRequestMessage NewMessage(SourceDefinition source, StreamDefinition stream, PageRequest page, FetchAttempt attempt)
    {
        var message = new HttpRequestMessage(page.Method, page.Uri);
        message.Options.Set(FetchAttempt.OptionKey, attempt);
        if (!page.Body.IsEmpty)
        {
            message.Content = new ReadOnlyMemoryContent(page.Body);
            var contentType = page.ContentType ?? stream.BodyContentType;
            if (!string.IsNullOrEmpty(contentType) && MediaTypeHeaderValue.TryParse(contentType, out var mediaType))
            {
                message.Content.Headers.ContentType = mediaType;
            }
        }

        AddHeaders(message, source.DefaultHeaders);
        AddHeaders(message, stream.Headers);
        return message;
    }

    /// <summary>
    /// Classifies what came back for one page request (a response, or what the client threw: network faults, an exhausted
    /// budget, an open circuit, a timeout, anything a handler or authenticator throws) into an outcome, never an exception;
    /// completes at once unless an error body is read for the source's interpreter.
    /// </summary>
    private ValueTask<Sent> ConcludeAsync(SourceHttpState state, StreamDefinition stream, PageRequest page, FetchAttempt attempt, HttpResponseMessage? response, Exception? thrown, long started, CancellationToken cancellationToken)
    {
        var source = state.Source;
        FetchStatus status;
        string? error = null;
        IssueKind? interpretedKind = null;
        if (thrown is null)
        {
            if (attempt.Verdict is { } verdict)
            {
                status = verdict;
                error = attempt.VerdictError;
                interpretedKind = attempt.VerdictKind;
            }
            else
            {
                status = Classify(response!.StatusCode);
                if (status != FetchStatus.Success)
                {
                    error = $"{Describe.Status(response)}{(attempt.Attempts > 1 ? $" after {attempt.Attempts} attempts" : string.Empty)}";
                }
            }
        }
        else
        {
            (status, error) = Classify(thrown, state, attempt, cancellationToken);
        }

        if (status != FetchStatus.Success && interpretedKind is null && response is not null && source.InterpretError is { } interpret
            && (int)response.StatusCode is >= 400 and < 500 and not 429)
        {
            return InterpretedAsync(interpret, state, stream, page, attempt, response, status, error, started, cancellationToken);
        }

        return ValueTask.FromResult(Outcome(state, attempt, response, status, error, interpretedKind, started));
    }

    private async ValueTask<Sent> InterpretedAsync(Func<ErrorResponse, ErrorInterpretation?> interpret, SourceHttpState state, StreamDefinition stream, PageRequest page, FetchAttempt attempt, HttpResponseMessage response, FetchStatus status, string? error, long started, CancellationToken cancellationToken)
    {
        IssueKind? interpretedKind = null;
        if (await InterpretAsync(interpret, response, page, stream, state.Source, cancellationToken).ConfigureAwait(false) is { } interpretation)
        {
            interpretedKind = interpretation.Kind;
            error = $"{state.Redact(interpretation.Message)} ({error})";
        }

        return Outcome(state, attempt, response, status, error, interpretedKind, started);
    }

    private Sent Outcome(SourceHttpState state, FetchAttempt attempt, HttpResponseMessage? response, FetchStatus status, string? error, IssueKind? interpretedKind, long started)
    {
        var notes = attempt.Notes;
        if (status == FetchStatus.Success && attempt.Attempts > 1 && !attempt.BodyUnreadable)
        {
            attempt.AddNote($"succeeded on retry {attempt.Attempts - 1}");
            notes = attempt.Notes;
        }

        if (status != FetchStatus.Success)
        {
            response?.Dispose();
            response = null;
        }

        var outcome = new FetchOutcome
        {
            Status = status,
            HttpStatusCode = attempt.LastStatusCode,
            Elapsed = time.GetElapsedTime(started),
            Attempts = Math.Max(1, attempt.Attempts),
            Error = error,
            IssueKind = interpretedKind,
            Notes = notes,
        };
        return new Sent(response, outcome, Math.Max(attempt.Requests, status == FetchStatus.BudgetExhausted ? 0 : 1), status == FetchStatus.Success ? attempt.Selection : null);
    }

    private static (FetchStatus Status, string Error) Classify(Exception exception, SourceHttpState state, FetchAttempt attempt, CancellationToken cancellationToken)
    {
        var source = state.Source;
        switch (exception)
        {
            case OperationCanceledException when cancellationToken.IsCancellationRequested:
                return (FetchStatus.Cancelled, "the fetch was cancelled");
            case RateLimiterRejectedException rejected:
                var maxWait = attempt.StreamBudget is { } streamBudget && streamBudget.MaxWait < state.Budget.MaxWait ? streamBudget.MaxWait : state.Budget.MaxWait;
                return (FetchStatus.BudgetExhausted, $"The rate budget needed a wait of {Describe.Duration(rejected.RetryAfter ?? TimeSpan.Zero)}, more than its maximum of {Describe.Duration(maxWait)}. The next run resumes from this page.");
            case BrokenCircuitException:
                return (FetchStatus.CircuitOpen, $"the circuit breaker of source '{source.Name}' is open after repeated failures; requests are paused for {Describe.Duration(source.Resilience.CircuitBreakerBreakDuration)}");
            case TimeoutRejectedException timedOut when source.Resilience.TotalTimeout is { } total && timedOut.Timeout == total:
                return (FetchStatus.Transient, $"the request took longer than its total timeout of {Describe.Duration(total)} (ResilienceSettings.TotalTimeout){AttemptsSuffix(attempt)}");
            case TimeoutRejectedException:
                return (FetchStatus.Transient, $"timed out after {Describe.Duration(source.Resilience.AttemptTimeout)} (ResilienceSettings.AttemptTimeout){AttemptsSuffix(attempt)}");
            case AuthenticationException:
                return (FetchStatus.Unauthorized, state.Redact(exception.Message));
            default:
                // Network faults (HttpRequestException, IOException) and anything an authenticator or handler throws:
                // an outcome, never an exception out of the fetcher.
                return (FetchStatus.Transient, state.Redact(DescribeException(exception)) + AttemptsSuffix(attempt));
        }
    }

    // Reads the start of an error body for the source's interpreter, within the attempt timeout; a body that cannot be read is passed on empty.
    private static async Task<ErrorInterpretation?> InterpretAsync(Func<ErrorResponse, ErrorInterpretation?> interpret, HttpResponseMessage response, PageRequest page, StreamDefinition stream, SourceDefinition source, CancellationToken cancellationToken)
    {
        var buffer = new byte[ErrorResponse.MaxBodyBytes];
        var length = 0;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(source.Resilience.AttemptTimeout);
            try
            {
                var body = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
                await using (body.ConfigureAwait(false))
                {
                    int read;
                    while (length < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(length), timeout.Token).ConfigureAwait(false)) > 0)
                    {
                        length += read;
                    }
                }
            }
            catch (Exception exception) when (exception is IOException or HttpRequestException or OperationCanceledException)
            {
                // Interpreted from what arrived.
            }
        }

        try
        {
            return interpret(new ErrorResponse { StatusCode = (int)response.StatusCode, Body = buffer.AsMemory(0, length), RequestUri = page.Uri, Stream = stream });
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            return new ErrorInterpretation(IssueKind.Configuration, $"The error interpreter of source '{source.Name}' failed: {exception.GetType().Name}: {exception.Message}");
        }
    }

    /// <summary>Runs a stream's record selector, into <paramref name="buffer"/> when given; a selector that throws has read a malformed body.</summary>
    internal static RecordSelection SelectRecords(RecordSelector selector, ReadOnlyMemory<byte> body, List<ReadOnlyMemory<byte>>? buffer = null)
    {
        try
        {
            return buffer is null ? selector.Select(body) : selector.Select(body, buffer);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            return RecordSelection.Malformed($"the record selector failed: {exception.GetType().Name}: {exception.Message}");
        }
    }

    private static string AttemptsSuffix(FetchAttempt attempt) => attempt.Attempts > 1 ? $" after {attempt.Attempts} attempts" : string.Empty;

    private static FetchStatus Classify(HttpStatusCode code) => (int)code switch
    {
        >= 200 and < 300 => FetchStatus.Success,
        401 => FetchStatus.Unauthorized,
        403 => FetchStatus.Forbidden,
        404 or 410 => FetchStatus.NotFound,
        429 => FetchStatus.RateLimited,
        var c when SourcePipeline.IsTransientStatus(c) => FetchStatus.Transient,
        >= 500 => FetchStatus.Transient,
        _ => FetchStatus.ClientError,
    };

    internal static void AddHeaders(HttpRequestMessage message, IReadOnlyDictionary<string, string> headers)
    {
        foreach (var (name, value) in headers)
        {
            if (!message.Headers.TryAddWithoutValidation(name, value))
            {
                message.Content?.Headers.TryAddWithoutValidation(name, value);
            }
        }
    }
}
