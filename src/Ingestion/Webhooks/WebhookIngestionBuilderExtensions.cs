using Ingestion.Webhooks.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Ingestion;

/// <summary>Registers webhook receiving on the <see cref="IIngestionBuilder"/>.</summary>
public static class WebhookIngestionBuilderExtensions
{
    /// <summary>
    /// Accepts webhooks for <paramref name="source"/>, signed as <paramref name="configure"/> describes. Registers the
    /// <see cref="IWebhookReceiver"/>, the <see cref="IngestionJobTypes.Webhook"/> job handler and an in-memory
    /// <see cref="IWebhookInbox"/> unless a store (for example PostgreSQL) provides one. The options are validated at start-up.
    /// </summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="source">The source name.</param>
    /// <param name="configure">Sets the secrets, header names and formats.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IIngestionBuilder AddWebhook(this IIngestionBuilder builder, string source, Action<WebhookSourceOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        ArgumentNullException.ThrowIfNull(configure);
        AddCore(builder.Services, source).Configure(configure);
        return builder;
    }

    /// <summary>Accepts webhooks for <paramref name="source"/>, with options bound from <paramref name="configuration"/> (for example <c>Jibble:Webhook</c>).</summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="source">The source name.</param>
    /// <param name="configuration">The section holding <see cref="WebhookSourceOptions"/>.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IIngestionBuilder AddWebhook(this IIngestionBuilder builder, string source, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        ArgumentNullException.ThrowIfNull(configuration);
        AddCore(builder.Services, source).Bind(configuration);
        return builder;
    }

    /// <summary>Registers the processor of a source's verified webhook deliveries.</summary>
    /// <typeparam name="TProcessor">The processor type.</typeparam>
    /// <param name="builder">The ingestion builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IIngestionBuilder AddWebhookProcessor<TProcessor>(this IIngestionBuilder builder)
        where TProcessor : class, IWebhookProcessor
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookProcessor, TProcessor>());
        return builder;
    }

    private static OptionsBuilder<WebhookSourceOptions> AddCore(IServiceCollection services, string source)
    {
        services.AddSingleton(new WebhookSourceRegistration(source));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(provider => new WebhookVerifier(provider.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IWebhookInbox, InMemoryWebhookInbox>();
        services.TryAddSingleton<IWebhookReceiver, WebhookReceiver>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IJobHandler, WebhookJobHandler>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WebhookSourceOptions>, WebhookSourceOptionsValidator>());
        return services.AddOptions<WebhookSourceOptions>(source).ValidateOnStart();
    }
}
