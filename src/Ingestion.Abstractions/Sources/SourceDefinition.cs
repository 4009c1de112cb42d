namespace Ingestion;

/// <summary>
/// One vendor API account: base address, authentication, rate budget, resilience settings and streams.
/// Definitions are immutable once built; build them with object initializers or the fluent <c>AddRestSource</c> builder.
/// </summary>
public sealed class SourceDefinition
{
    /// <summary>The source name, unique within the host (for example <c>employes</c> or <c>jibble-eu</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The address relative stream paths are resolved against. Should end with <c>/</c>.</summary>
    public required Uri BaseAddress { get; init; }

    /// <summary>Adds credentials to each request; <see langword="null"/> for public APIs.</summary>
    public IAuthenticator? Authenticator { get; init; }

    /// <summary>The request budget shared by every stream of this source; <see langword="null"/> for none.</summary>
    public RateBudget? RateBudget { get; init; }

    /// <summary>Timeouts, retries and circuit breaking for this source's requests.</summary>
    public ResilienceSettings Resilience { get; init; } = new();

    /// <summary>Headers sent with every request of this source (for example <c>Accept</c>).</summary>
    public IReadOnlyDictionary<string, string> DefaultHeaders { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Whether every run of this source is a dry run (fetch and report, write nothing), whatever <see cref="SyncOptions.DryRun"/> says.
    /// Defaults to <see langword="false"/>.
    /// </summary>
    public bool DryRun { get; init; }

    /// <summary>
    /// Interprets a 4xx response other than 429 the vendor's way, or <see langword="null"/> for the standard classification.
    /// Returning <see langword="null"/> from the function keeps the standard classification for that response. The status
    /// (and whether it is retried) never changes; the interpretation sets the reported issue kind and message.
    /// </summary>
    public Func<ErrorResponse, ErrorInterpretation?>? InterpretError { get; init; }

    /// <summary>
    /// Hosts other than the source's own that paging and redirects may lead to, as <c>host</c> (any port),
    /// <c>host:port</c> or <c>*.example.com</c> (any subdomain). Empty by default.
    /// </summary>
    /// <remarks>
    /// The source's own hosts are the scheme, host and port of <see cref="BaseAddress"/> and of every stream whose
    /// <see cref="StreamDefinition.Path"/> is an absolute URL. A next-page URL (next URL, <c>Link</c> header, or any paginator
    /// that takes a URL from a response) may lead to an own or allowed host, and is sent with the source's credentials.
    /// A redirect to an own host is followed with credentials; a redirect to an allowed host is followed without any of
    /// them (no authentication, no default or stream headers, no secret query parameters). Anything else is refused with
    /// an <see cref="IssueKind.UntrustedHost"/> issue, and an https request never leads to an http one.
    /// </remarks>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];

    /// <summary>
    /// The most redirects one request follows before it fails with <see cref="IssueKind.TooManyRedirects"/>. Defaults to 5;
    /// 0 follows none.
    /// </summary>
    public int MaxRedirects { get; init; } = 5;

    /// <summary>The streams of this source, parents before their children.</summary>
    public required IReadOnlyList<StreamDefinition> Streams { get; init; }

    /// <summary>Finds a stream by name.</summary>
    /// <param name="name">The stream name.</param>
    /// <returns>The stream, or <see langword="null"/>.</returns>
    public StreamDefinition? FindStream(string name)
    {
        foreach (var stream in Streams)
        {
            if (string.Equals(stream.Name, name, StringComparison.Ordinal))
            {
                return stream;
            }
        }

        return null;
    }
}
