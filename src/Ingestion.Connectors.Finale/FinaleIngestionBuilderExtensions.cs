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
    public static IIngestionBuilder AddFinale(this IIngestionBuilder builder, string name, IConfiguration configuration) =>
        builder.AddConnector(name, configuration, Connector);

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
    public static IIngestionBuilder AddFinale(this IIngestionBuilder builder, string name, Action<FinaleOptions> configure) =>
        builder.AddConnector(name, configure, Connector);

    /// <summary>Registers a Finale account as the source <paramref name="name"/>, with options set in code from the host's services (a secret store, say).</summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="name">The source name, unique within the host.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder AddFinale(this IIngestionBuilder builder, string name, Action<FinaleOptions, IServiceProvider> configure) =>
        builder.AddConnector(name, configure, Connector);

    private static readonly Connector<FinaleOptions> Connector = new()
    {
        BuildSource = (name, options, _) => FinaleSource.Build(name, options),
        CreateValidator = (name, keyPrefix) => new FinaleOptionsValidator(name, keyPrefix),
        AddAccountParts = (builder, name) => builder.Services.AddSingleton<IDeriver>(new DeriverFactory(name).Create),
    };

    // The deriver reads which reports list purchase-order lines from the options, so it is built from the container.
    private sealed class DeriverFactory(string sourceName)
    {
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
