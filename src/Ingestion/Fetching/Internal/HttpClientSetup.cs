using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace Ingestion.Fetching.Internal;

/// <summary>
/// Configures every client named <c>ingestion:{source}</c>: no client-level timeout (each attempt has its own, on the
/// injected clock), and the handler pipeline resilience → authentication → network.
/// </summary>
internal sealed class HttpClientSetup : IConfigureNamedOptions<HttpClientFactoryOptions>
{
    public void Configure(HttpClientFactoryOptions options) => Configure(Options.DefaultName, options);

    public void Configure(string? name, HttpClientFactoryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (name is null)
        {
            return;
        }

        if (name.StartsWith(SourceHttpRegistry.AuthClientPrefix, StringComparison.Ordinal))
        {
            options.HttpClientActions.Add(client => client.Timeout = TimeSpan.FromSeconds(100));
            return;
        }

        if (!name.StartsWith(SourceHttpRegistry.ClientPrefix, StringComparison.Ordinal))
        {
            return;
        }

        var sourceName = name[SourceHttpRegistry.ClientPrefix.Length..];
        options.HttpClientActions.Add(client => client.Timeout = Timeout.InfiniteTimeSpan);
        options.HttpMessageHandlerBuilderActions.Add(builder =>
        {
            var registry = builder.Services.GetRequiredService<SourceHttpRegistry>();
            var state = registry.Find(sourceName)
                ?? throw new InvalidOperationException($"The HTTP client for source '{sourceName}' was requested before the source was registered with the fetcher.");
            SourceHttpState Current() => registry.Find(sourceName) ?? state;
            builder.AdditionalHandlers.Add(new ResilienceHandler(Current));
            builder.AdditionalHandlers.Add(new AuthenticationHandler(Current));
        });
    }
}
