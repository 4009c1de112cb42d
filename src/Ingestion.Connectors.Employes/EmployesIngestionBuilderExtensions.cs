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
    public static IIngestionBuilder AddEmployes(this IIngestionBuilder builder, string name, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(section);
        builder.Services.AddOptions<EmployesOptions>(name).Bind(section);
        return builder.AddEmployesCore(name, (section as IConfigurationSection)?.Path);
    }

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
    public static IIngestionBuilder AddEmployes(this IIngestionBuilder builder, string name, Action<EmployesOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<EmployesOptions>(name).Configure(configure);
        return builder.AddEmployesCore(name, sectionPath: null);
    }

    private static IIngestionBuilder AddEmployesCore(this IIngestionBuilder builder, string name, string? sectionPath)
    {
        var keys = new EmployesOptionsValidator(name, sectionPath);
        builder.Services.AddSingleton<IValidateOptions<EmployesOptions>>(keys);
        builder.Services.AddOptions<EmployesOptions>(name).ValidateOnStart();
        builder.Services.AddHttpClient(EmployesCompanyChecks.ClientName);
        builder.Services.AddSingleton<IHostedService>(services => new EmployesCompanyStartupCheck(
            name, services.GetRequiredService<IOptionsMonitor<EmployesOptions>>(), keys, services.GetRequiredService<IHttpClientFactory>()));
        builder.AddSource(name, services => EmployesSource.Build(name, services.GetRequiredService<IOptionsMonitor<EmployesOptions>>().Get(name), keys));
        return builder.AddDeriver(new EmploymentTimelineDeriver(name));
    }
}
