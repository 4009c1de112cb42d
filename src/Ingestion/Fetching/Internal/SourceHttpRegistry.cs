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
    /// <summary>The <see cref="IHttpClientFactory"/> client every source's requests go through; its resilience handler selects the source's pipeline.</summary>
    public const string ClientName = "Ingestion.Sources";

    /// <summary>The client for token and login endpoints, outside the sources' pipelines.</summary>
    public const string AuthClientName = "Ingestion.Authentication";

    private readonly ConcurrentDictionary<string, SourceHttpState> _states = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SourceHttpState> _byPipelineKey = new(StringComparer.Ordinal);
    private readonly ILogger _logger = (ILogger?)loggerFactory?.CreateLogger("Ingestion.Fetching") ?? NullLogger.Instance;

    public ILogger Logger => _logger;

    public TimeProvider Time => time;

    /// <summary>The state of <paramref name="source"/>; the first definition registered under a name is the one kept.</summary>
    public SourceHttpState GetOrAdd(SourceDefinition source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (_states.TryGetValue(source.Name, out var known))
        {
            return known;
        }

        var created = new SourceHttpState(source, time, _logger, () => CreateAuthClient());
        _byPipelineKey[created.PipelineKey] = created;
        var state = _states.GetOrAdd(source.Name, created);
        if (!ReferenceEquals(state, created))
        {
            _byPipelineKey.TryRemove(created.PipelineKey, out _);
        }

        return state;
    }

    public SourceHttpState? Find(string sourceName) => _states.TryGetValue(sourceName, out var state) ? state : null;

    /// <summary>The state whose resilience pipeline is being built, by the pipeline's instance name.</summary>
    public SourceHttpState? FindByPipelineKey(string pipelineKey) => _byPipelineKey.TryGetValue(pipelineKey, out var state) ? state : null;

    /// <summary>
    /// Forgets the state of a source whose definition was replaced or removed at run time, so its next request starts a state
    /// (rate budget, resilience, authentication) from the new definition.
    /// </summary>
    public void Forget(string sourceName)
    {
        // The pipeline key stays findable: a request still running on the old state may need its pipeline built.
        _states.TryRemove(sourceName, out _);
    }

    private HttpClient CreateAuthClient()
    {
        var factory = (IHttpClientFactory?)services.GetService(typeof(IHttpClientFactory))
            ?? throw new InvalidOperationException("IHttpClientFactory is not registered.");
        return factory.CreateClient(AuthClientName);
    }
}
