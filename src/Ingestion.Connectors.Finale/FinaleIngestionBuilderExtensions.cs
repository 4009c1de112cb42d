using Ingestion.Connectors.Finale;
using Ingestion.Connectors.Finale.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Ingestion;

/// <summary>Registers Finale Inventory accounts on an <see cref="IIngestionBuilder"/>.</summary>
public static class FinaleIngestionBuilderExtensions
{
    /// <summary>Registers the Finale account described by <paramref name="configuration"/> as the source <c>finale</c>.</summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="configuration">The account's section (for example <c>Finale</c>), bound to <see cref="FinaleOptions"/>.</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder AddFinale(this IIngestionBuilder builder, IConfiguration configuration) =>
        builder.AddFinale(FinaleOptions.DefaultName, configuration);

    /// <summary>
    /// Registers a Finale account as the source <paramref name="name"/>, with options bound from <paramref name="configuration"/>
    /// and validated when the host starts (errors name the configuration key). The source has the streams
    /// <see cref="FinaleStreams.PurchaseOrders"/> (with its child <see cref="FinaleStreams.PurchaseOrderDetails"/>),
    /// <see cref="FinaleStreams.Products"/>, <see cref="FinaleStreams.Facilities"/> and one per configured report, and the
    /// <see cref="PurchaseOrderSummaryDeriver"/> is registered for it. Call once per account; each name is its own source.
    /// </summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="name">The source name, unique within the host (for example <c>finale-eu</c>).</param>
    /// <param name="configuration">The account's configuration section.</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder AddFinale(this IIngestionBuilder builder, string name, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configuration);
        builder.Services.AddOptions<FinaleOptions>(name).Bind(configuration);
        var prefix = configuration is IConfigurationSection section ? section.Path + ":" : string.Empty;
        return builder.AddFinaleCore(name, prefix);
    }

    /// <summary>Registers a Finale account as the source <c>finale</c>, with options set in code.</summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder AddFinale(this IIngestionBuilder builder, Action<FinaleOptions> configure) =>
        builder.AddFinale(FinaleOptions.DefaultName, configure);

    /// <summary>Registers a Finale account as the source <paramref name="name"/>, with options set in code and validated when the host starts.</summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="name">The source name, unique within the host.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder AddFinale(this IIngestionBuilder builder, string name, Action<FinaleOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<FinaleOptions>(name).Configure(configure);
        return builder.AddFinaleCore(name, string.Empty);
    }

    private static IIngestionBuilder AddFinaleCore(this IIngestionBuilder builder, string name, string keyPrefix)
    {
        var services = builder.Services;
        services.AddOptions<FinaleOptions>(name).ValidateOnStart();

        // One validator and one deriver per account, however often the account is registered.
        if (!services.Any(d => d.ServiceType == typeof(IValidateOptions<FinaleOptions>) && d.ImplementationInstance is FinaleOptionsValidator v && v.Name == name))
        {
            services.AddSingleton<IValidateOptions<FinaleOptions>>(new FinaleOptionsValidator(name, keyPrefix));
        }

        if (!services.Any(d => d.ServiceType == typeof(IDeriver) && d.ImplementationFactory?.Target is DeriverFactory f && f.SourceName == name))
        {
            var factory = new DeriverFactory(name);
            services.AddSingleton<IDeriver>(factory.Create);
        }

        return builder.AddSource(name, provider =>
            FinaleSource.Build(name, provider.GetRequiredService<IOptionsMonitor<FinaleOptions>>().Get(name)));
    }

    // The deriver reads which reports list purchase-order lines from the options, so it is built from the container.
    private sealed class DeriverFactory(string sourceName)
    {
        public string SourceName => sourceName;

        public IDeriver Create(IServiceProvider provider)
        {
            var options = provider.GetRequiredService<IOptionsMonitor<FinaleOptions>>().Get(sourceName);
            var reports = options.Reports
                .Where(r => r.PurchaseOrderColumns is not null && !string.IsNullOrWhiteSpace(r.Name))
                .Select(r => new PurchaseOrderReport(r.Name!, r.PurchaseOrderColumns!) { Culture = FinaleReportCulture.TryGet(r.Culture) ?? System.Globalization.CultureInfo.InvariantCulture })
                .ToList();
            return new PurchaseOrderSummaryDeriver(sourceName, reports);
        }
    }
}
