using Ingestion.Fetching.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace Ingestion.Fetching;

/// <summary>Registers the HTTP fetcher: one named <see cref="IHttpClientFactory"/> client per source, <c>ingestion:{source}</c>.</summary>
internal static class HttpFetchingServiceCollectionExtensions
{
    /// <summary>Registers <see cref="IFetcher"/> over HTTP with resilience, rate budgets and authentication. Safe to call more than once.</summary>
    public static IServiceCollection AddHttpFetching(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddHttpClient();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SourceHttpRegistry>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<HttpClientFactoryOptions>, HttpClientSetup>());
        services.TryAddSingleton<IFetcher, HttpFetcher>();
        return services;
    }
}
