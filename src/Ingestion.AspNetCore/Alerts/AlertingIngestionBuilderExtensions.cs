using Ingestion.Alerts.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Ingestion;

/// <summary>
/// Health alerts: when a stream becomes Degraded or Unhealthy, has a schedule disabled after failures, or recovers, one alert
/// per transition goes to every registered <see cref="IAlertSink"/>, each delivered by a job (so a worker, <c>AddWorker</c>,
/// must run). Call these after the store (<c>UsePostgres</c> or <c>UseInMemoryStores</c>) and after <c>AddScheduler</c>: they
/// wrap the registered health and schedule stores, and the host refuses to start when that wrapping was undone.
/// </summary>
public static class AlertingIngestionBuilderExtensions
{
    /// <summary>Adds an alert sink of your own (e-mail, a pager, a chat), resolved from the container.</summary>
    /// <typeparam name="TSink">The sink.</typeparam>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="configure">Changes how alerts are delivered, or <see langword="null"/>.</param>
    /// <returns>The builder.</returns>
    public static IIngestionBuilder AddAlertSink<TSink>(this IIngestionBuilder builder, Action<AlertOptions>? configure = null)
        where TSink : class, IAlertSink
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddAlerting(builder.Services, configure);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IAlertSink, TSink>());
        return builder;
    }

    /// <summary>Posts every alert as signed JSON to a webhook (see <see cref="WebhookAlertOptions.Secret"/> for the signature).</summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="name">The sink's name, unique among sinks.</param>
    /// <param name="configure">Sets the URL and secret.</param>
    /// <returns>The builder.</returns>
    public static IIngestionBuilder AddWebhookAlerts(this IIngestionBuilder builder, string name, Action<WebhookAlertOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new WebhookAlertOptions();
        configure(options);
        if (options.Url is not { IsAbsoluteUri: true })
        {
            throw new ArgumentException($"The webhook alert sink '{name}' needs an absolute Url.", nameof(configure));
        }

        AddAlerting(builder.Services, null);
        builder.Services.AddSingleton<IAlertSink>(provider =>
            new WebhookAlertSink(name, options, provider.GetRequiredService<IHttpClientFactory>(), provider.GetRequiredService<TimeProvider>()));
        return builder;
    }

    /// <summary>Posts every alert to a Slack-compatible incoming webhook.</summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="name">The sink's name, unique among sinks.</param>
    /// <param name="configure">Sets the webhook URL.</param>
    /// <returns>The builder.</returns>
    public static IIngestionBuilder AddSlackAlerts(this IIngestionBuilder builder, string name, Action<SlackAlertOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new SlackAlertOptions();
        configure(options);
        if (options.WebhookUrl is not { IsAbsoluteUri: true })
        {
            throw new ArgumentException($"The Slack alert sink '{name}' needs an absolute WebhookUrl.", nameof(configure));
        }

        AddAlerting(builder.Services, null);
        builder.Services.AddSingleton<IAlertSink>(provider => new SlackAlertSink(name, options, provider.GetRequiredService<IHttpClientFactory>()));
        return builder;
    }

    private static void AddAlerting(IServiceCollection services, Action<AlertOptions>? configure)
    {
        if (configure is not null)
        {
            services.Configure(configure);
        }

        if (services.Any(descriptor => descriptor.ServiceType == typeof(AlertDispatcher)))
        {
            return;
        }

        if (!Decorate<IHealthStore>(services, (provider, inner) => new AlertingHealthStore(inner, provider.GetRequiredService<AlertDispatcher>())))
        {
            throw new InvalidOperationException("Alerts wrap the health store: call UsePostgres(...) or UseInMemoryStores() before adding alert sinks.");
        }

        Decorate<IScheduleStore>(services, (provider, inner) => new AlertingScheduleStore(inner, provider.GetRequiredService<AlertDispatcher>()));
        services.AddOptions<AlertOptions>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<AlertDispatcher>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IJobHandler, AlertJobHandler>());

        // Alert sink URLs (a Slack one is a credential) must not reach the HTTP client's request logs.
        services.AddHttpClient(WebhookAlertSink.ClientName).RemoveAllLoggers();
        services.AddHostedService<AlertWiringCheck>();
    }

    private static bool Decorate<TService>(IServiceCollection services, Func<IServiceProvider, TService, TService> wrap)
        where TService : class
    {
        var descriptor = services.LastOrDefault(d => d.ServiceType == typeof(TService) && !d.IsKeyedService);
        if (descriptor is null)
        {
            return false;
        }

        services.Remove(descriptor);
        services.Add(ServiceDescriptor.Describe(typeof(TService), provider => wrap(provider, (TService)Create(provider, descriptor)), descriptor.Lifetime));
        return true;
    }

    private static object Create(IServiceProvider provider, ServiceDescriptor descriptor) =>
        descriptor.ImplementationInstance
        ?? descriptor.ImplementationFactory?.Invoke(provider)
        ?? ActivatorUtilities.CreateInstance(provider, descriptor.ImplementationType!);

    /// <summary>Stops the host at start when a store registered after the alert sinks replaced a wrapped one.</summary>
    private sealed class AlertWiringCheck(IServiceProvider services) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (services.GetService<IHealthStore>() is not AlertingHealthStore
                || (services.GetService<IScheduleStore>() is { } schedules && schedules is not AlertingScheduleStore))
            {
                throw new InvalidOperationException(
                    "Alert sinks were added before a store or the scheduler that replaced the health or schedule store, so no alert would be raised: " +
                    "call AddWebhookAlerts, AddSlackAlerts and AddAlertSink after UsePostgres/UseInMemoryStores and AddScheduler.");
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
