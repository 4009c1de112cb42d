using Ingestion.Connectors.Employes;
using Ingestion.Connectors.Employes.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Ingestion;

/// <summary>Adds the Employes company check to a host's health checks.</summary>
public static class EmployesHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a health check that asks Employes for the companies the token of source <paramref name="source"/> can see
    /// (<c>GET /v4/companies</c>, the cheapest call) and is unhealthy, with a message naming the keys to fix, when the configured
    /// company id is not among them, the token is refused or Employes cannot be reached. Each run of the check is one request.
    /// <code>
    /// services.AddHealthChecks().AddEmployesCompanyCheck();
    /// </code>
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="source">The Employes source (as given to <c>AddEmployes</c>). Defaults to <c>employes</c>.</param>
    /// <param name="name">The check's name. Defaults to <c>{source}-company</c>.</param>
    /// <param name="failureStatus">The status reported on a mismatch; defaults to <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags for filtering checks.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IHealthChecksBuilder AddEmployesCompanyCheck(this IHealthChecksBuilder builder, string source = EmployesDefaults.SourceName, string? name = null, HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        builder.Services.AddHttpClient(EmployesCompanyChecks.ClientName);
        return builder.Add(new HealthCheckRegistration(
            name ?? source + "-company",
            services => new EmployesCompanyHealthCheck(
                source,
                services.GetRequiredService<IOptionsMonitor<EmployesOptions>>().Get(source),
                EmployesOptionsValidator.Of(services, source),
                services.GetRequiredService<IHttpClientFactory>().CreateClient(EmployesCompanyChecks.ClientName)),
            failureStatus,
            tags));
    }
}
