using Ingestion.Connectors.Employes;
using Ingestion.Connectors.Employes.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Ingestion;

/// <summary>Registers Employes accounts on an <see cref="IIngestionBuilder"/>.</summary>
public static class EmployesIngestionBuilderExtensions
{
    /// <summary>Adds the Employes account configured in <paramref name="section"/> as the source <c>employes</c>.</summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="section">The configuration section bound to <see cref="EmployesOptions"/> (for example <c>Employes</c>).</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder AddEmployes(this IIngestionBuilder builder, IConfiguration section) =>
        builder.AddEmployes(EmployesDefaults.SourceName, section);

    /// <summary>
    /// Adds the Employes account configured in <paramref name="section"/> as the source <paramref name="name"/>, with its
    /// <see cref="EmployesStreams.Employees"/> and <see cref="EmployesStreams.Employments"/> streams and an
    /// <see cref="EmploymentTimelineDeriver"/> named <c>{name}.timeline</c>. Call it once per account, with distinct names.
    /// The options are validated when the host starts; a missing token or company id stops it naming the key.
    /// </summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="name">The source name, unique within the host.</param>
    /// <param name="section">The configuration section bound to <see cref="EmployesOptions"/>.</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder AddEmployes(this IIngestionBuilder builder, string name, IConfiguration section) =>
        builder.AddConnector(name, section, Connector);

    /// <summary>Adds the Employes account described by <paramref name="configure"/> as the source <c>employes</c>.</summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder AddEmployes(this IIngestionBuilder builder, Action<EmployesOptions> configure) =>
        builder.AddEmployes(EmployesDefaults.SourceName, configure);

    /// <summary>Adds the Employes account described by <paramref name="configure"/> as the source <paramref name="name"/>; see <see cref="AddEmployes(IIngestionBuilder, string, IConfiguration)"/>.</summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="name">The source name, unique within the host.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder AddEmployes(this IIngestionBuilder builder, string name, Action<EmployesOptions> configure) =>
        builder.AddConnector(name, configure, Connector);

    /// <summary>Adds the Employes account whose options <paramref name="configure"/> sets from the host's services (a secret store, say) as the source <paramref name="name"/>.</summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="name">The source name, unique within the host.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder AddEmployes(this IIngestionBuilder builder, string name, Action<EmployesOptions, IServiceProvider> configure) =>
        builder.AddConnector(name, configure, Connector);

    private static readonly Connector<EmployesOptions> Connector = new()
    {
        BuildSource = (name, options, services) => EmployesSource.Build(name, options, EmployesOptionsValidator.Of(services, name)),
        CreateValidator = (name, keyPrefix) => new EmployesOptionsValidator(name, keyPrefix.Length == 0 ? null : keyPrefix.TrimEnd(':')),
        AddAccountParts = (builder, name) =>
        {
            builder.Services.AddHttpClient(EmployesCompanyChecks.ClientName);
            builder.Services.AddSingleton<IHostedService>(services => new EmployesCompanyStartupCheck(
                name, services.GetRequiredService<IOptionsMonitor<EmployesOptions>>(), EmployesOptionsValidator.Of(services, name), services.GetRequiredService<IHttpClientFactory>()));
            builder.AddDeriver(new EmploymentTimelineDeriver(name));
        },
    };
}
