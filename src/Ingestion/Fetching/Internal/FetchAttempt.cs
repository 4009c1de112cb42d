namespace Ingestion.Fetching.Internal;

/// <summary>
/// What the handlers learn while sending one page request (its attempts, retries and credential refresh), carried in
/// <see cref="HttpRequestMessage.Options"/> so the fetcher can classify the outcome and report it.
/// </summary>
internal sealed class FetchAttempt(string stream, bool canRetry, SourceHttpState? state = null)
{
    public static readonly HttpRequestOptionsKey<FetchAttempt> OptionKey = new("Ingestion.FetchAttempt");

    private List<string>? _notes;

    public string Stream { get; } = stream;

    /// <summary>
    /// The source the request belongs to, looked up once per request: every attempt and redirect of a request keeps the state it
    /// started with, even when the source is replaced at run time meanwhile. It also selects the source's resilience pipeline.
    /// </summary>
    public SourceHttpState? State { get; } = state;

    /// <summary>Whether failed attempts may be retried (idempotent method, or the stream allows it).</summary>
    public bool CanRetry { get; } = canRetry;

    /// <summary>Attempts made by the resilience pipeline.</summary>
    public int Attempts { get; set; }

    /// <summary>HTTP requests sent, including the resend after a credential refresh.</summary>
    public int Requests { get; set; }

    public int? LastStatusCode { get; set; }

    /// <summary>Whether credentials were already refreshed for this request (at most once).</summary>
    public bool Refreshed { get; set; }

    /// <summary>A classification decided by a handler (for example 401 after a refresh), overriding the status code.</summary>
    public FetchStatus? Verdict { get; private set; }

    public string? VerdictError { get; private set; }

    /// <summary>The issue kind a handler's verdict reports, when the status alone does not say it (a refused redirect).</summary>
    public IssueKind? VerdictKind { get; private set; }

    /// <summary>
    /// Reads a page's records inside each attempt, so a successful response whose body cannot be read (cut off, not the
    /// format expected) is retried like a 503 instead of ending the page at once; null for requests that carry no records.
    /// </summary>
    public RecordSelector? Selector { get; init; }

    /// <summary>
    /// The list the selector fills, one per fetch and reused page after page: the fetcher copies the records out (with their keys)
    /// before it sends the next request; null for a list per selection.
    /// </summary>
    public List<ReadOnlyMemory<byte>>? SelectionBuffer { get; init; }

    /// <summary>The stream's own request budget (<see cref="StreamDefinition.RateBudget"/>), taken before the source's; null for none.</summary>
    public RateBudgetLimiter? StreamBudget { get; init; }

    /// <summary>What <see cref="Selector"/> read from the latest attempt's body; null when it did not run.</summary>
    public RecordSelection? Selection { get; set; }

    /// <summary>Whether the latest attempt succeeded by its status but its body could not be read.</summary>
    public bool BodyUnreadable => Selection is { Succeeded: false };

    public IReadOnlyList<string> Notes => (IReadOnlyList<string>?)_notes ?? [];

    public void AddNote(string note) => (_notes ??= []).Add(note);

    public void Decide(FetchStatus status, string error, IssueKind? kind = null)
    {
        Verdict = status;
        VerdictError = error;
        VerdictKind = kind;
    }
}

internal static class Describe
{
    public static string Duration(TimeSpan value) => value.TotalSeconds >= 1
        ? value.TotalSeconds.ToString(value.TotalSeconds % 1 == 0 ? "0" : "0.###", System.Globalization.CultureInfo.InvariantCulture) + " s"
        : value.TotalMilliseconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture) + " ms";

    public static string Status(HttpResponseMessage response) =>
        $"{(int)response.StatusCode} {response.ReasonPhrase ?? response.StatusCode.ToString()}";
}
