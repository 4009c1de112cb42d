using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace Ingestion.Fetching.Internal;

/// <summary>
/// Configures every client named <c>ingestion:{source}</c>: no client-level timeout (each attempt has its own, on the
/// injected clock), and the handler pipeline resilience → redirects → authentication → network, with the network handler's
/// own redirects off so that no redirect is followed with credentials except by <see cref="RedirectHandler"/>.
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

            // A token or login endpoint that redirects fails instead of sending the client secret on to wherever it points.
            options.HttpMessageHandlerBuilderActions.Add(builder => DisableAutomaticRedirects(builder.PrimaryHandler));
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
            DisableAutomaticRedirects(builder.PrimaryHandler);
            builder.AdditionalHandlers.Add(new ResilienceHandler(Current));
            builder.AdditionalHandlers.Add(new RedirectHandler(Current));
            builder.AdditionalHandlers.Add(new AuthenticationHandler(Current));
        });
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
