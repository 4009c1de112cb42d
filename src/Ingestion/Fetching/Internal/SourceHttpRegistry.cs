using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ingestion.Fetching.Internal;

/// <summary>
/// One <see cref="SourceHttpState"/> per source name for the lifetime of the host, so the rate budget and the circuit
/// breaker are shared by every stream of a source and survive the rotation of HTTP handlers.
/// </summary>
internal sealed class SourceHttpRegistry(IServiceProvider services, TimeProvider time, ILoggerFactory? loggerFactory = null)
{
    public const string ClientPrefix = "ingestion:";
    public const string AuthClientPrefix = "ingestion-auth:";

    private readonly ConcurrentDictionary<string, SourceHttpState> _states = new(StringComparer.Ordinal);
    private readonly ILogger _logger = (ILogger?)loggerFactory?.CreateLogger("Ingestion.Fetching") ?? NullLogger.Instance;

    public ILogger Logger => _logger;

    /// <summary>The state of <paramref name="source"/>; the first definition registered under a name is the one kept.</summary>
    public SourceHttpState GetOrAdd(SourceDefinition source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return _states.GetOrAdd(source.Name, static (name, s) => new SourceHttpState(s.Source, s.Registry.TimeProvider, s.Registry._logger, () => s.Registry.CreateAuthClient(name)), (Source: source, Registry: this));
    }

    public SourceHttpState? Find(string sourceName) => _states.TryGetValue(sourceName, out var state) ? state : null;

    /// <summary>
    /// Forgets the state of a source whose definition was replaced or removed at run time, so its next request starts a state
    /// (rate budget, resilience, authentication) from the new definition.
    /// </summary>
    public void Forget(string sourceName) => _states.TryRemove(sourceName, out _);

    private TimeProvider TimeProvider => time;

    private HttpClient CreateAuthClient(string sourceName)
    {
        var factory = (IHttpClientFactory?)services.GetService(typeof(IHttpClientFactory))
            ?? throw new InvalidOperationException("IHttpClientFactory is not registered.");
        return factory.CreateClient(AuthClientPrefix + sourceName);
    }
}
