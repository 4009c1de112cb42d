using Ingestion.Fetching.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;

namespace Ingestion.Fetching;

/// <summary>
/// Registers the HTTP fetcher: its <see cref="IHttpClientFactory"/> client, whose handlers are, outermost first, the resilience
/// handler of Microsoft.Extensions.Http.Resilience (one pipeline per source, built from the source's
/// <see cref="ResilienceSettings"/>), the attempt handler (rate budget, attempt timeout, redirects, body), the authentication
/// handler and the network handler with its own redirects off, so that no redirect is followed with credentials except by the
/// attempt handler.
/// </summary>
internal static class HttpFetchingServiceCollectionExtensions
{
    /// <summary>Registers <see cref="IFetcher"/> over HTTP with resilience, rate budgets and authentication. Safe to call more than once.</summary>
    public static IServiceCollection AddHttpFetching(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(descriptor => descriptor.ServiceType == typeof(SourceHttpRegistry)))
        {
            // A second resilience handler would retry every retry.
            return services;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SourceHttpRegistry>();
        services.TryAddSingleton<IFetcher, HttpFetcher>();

        // A token or login endpoint that redirects fails instead of sending the client secret on to wherever it points.
        services.AddHttpClient(SourceHttpRegistry.AuthClientName)
            .ConfigureHttpClient(client => client.Timeout = TimeSpan.FromSeconds(100))
            .ConfigurePrimaryHttpMessageHandler((handler, _) => DisableAutomaticRedirects(handler));

        // No client-level timeout: each attempt has its own, on the injected clock, and so may the whole request.
        // Without the factory's own request logging: the fetcher logs every attempt itself (FetchLog, category
        // Ingestion.Fetching), with the URL redacted of the source's secrets, and the factory's two logging handlers would cost
        // every request a logging scope and two asynchronous frames even when nothing listens.
        var sources = services.AddHttpClient(SourceHttpRegistry.ClientName)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler((handler, _) => DisableAutomaticRedirects(handler))
            .RemoveAllLoggers();
        sources.AddResilienceHandler(SourcePipeline.Name, SourcePipeline.Configure)
            .SelectPipelineBy(_ => SourcePipeline.KeyOf);
        sources.AddHttpMessageHandler(() => new AttemptHandler())
            .AddHttpMessageHandler(() => new AuthenticationHandler());
        return services;
    }

    private static void DisableAutomaticRedirects(HttpMessageHandler handler)
    {
        switch (handler)
        {
            case HttpClientHandler clientHandler:
                clientHandler.AllowAutoRedirect = false;
                break;
            case SocketsHttpHandler socketsHandler:
                socketsHandler.AllowAutoRedirect = false;
                break;
        }
    }
}
