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
