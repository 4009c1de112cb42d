using Ingestion;
using Ingestion.Api.Internal;
using Ingestion.Dashboard.Internal;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Mounts the Ingestion operations dashboard and HTTP API in an ASP.NET Core app.</summary>
public static class IngestionEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Mounts the operations dashboard at <paramref name="prefix"/>: streams with their health, runs, retries, the queue, and
    /// the actions Sync now, Retry now, Requeue and Enable/Disable schedule (POST, antiforgery-protected, each logged with who
    /// did it). Secure by default: without an authorization policy it answers only requests from the local machine; call
    /// <c>RequireAuthorization(...)</c> on the result to open it to whom the policy admits. Needs
    /// <see cref="IngestionDashboardServiceCollectionExtensions.AddIngestionDashboard"/>.
    /// </summary>
    /// <param name="endpoints">The app.</param>
    /// <param name="prefix">Where the dashboard lives, for example <c>/ingestion</c>.</param>
    /// <param name="configure">Changes the options (read-only mode, title, sync mode), or <see langword="null"/>.</param>
    /// <returns>The route group, for <c>RequireAuthorization</c> and other conventions.</returns>
    public static RouteGroupBuilder MapIngestionDashboard(this IEndpointRouteBuilder endpoints, string prefix = "/ingestion", Action<IngestionDashboardOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        RequireServices(endpoints);
        var options = new IngestionDashboardOptions();
        configure?.Invoke(options);
        return DashboardEndpoints.Map(endpoints, prefix, options);
    }

    /// <summary>
    /// Mounts the HTTP API at <paramref name="prefix"/>: <c>POST sync/{source}</c>, <c>GET runs</c>, <c>GET runs/{id}</c>,
    /// <c>GET health</c>, <c>GET queue</c>, <c>POST retry/{source}/{stream}</c>, <c>POST jobs/{id}/requeue</c> and
    /// <c>POST schedules/enable|disable?name=</c>. Secure by default like the dashboard (local requests only unless the
    /// route group gets an authorization policy); a machine caller may instead send one of
    /// <see cref="IngestionApiOptions.Secrets"/> in <see cref="IngestionApiOptions.SecretHeader"/>.
    /// </summary>
    /// <param name="endpoints">The app.</param>
    /// <param name="prefix">Where the API lives, for example <c>/ingestion/api</c>.</param>
    /// <param name="configure">Sets the shared secrets and read-only mode, or <see langword="null"/>.</param>
    /// <returns>The route group, for <c>RequireAuthorization</c> and other conventions.</returns>
    public static RouteGroupBuilder MapIngestionApi(this IEndpointRouteBuilder endpoints, string prefix = "/ingestion/api", Action<IngestionApiOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        RequireServices(endpoints);
        var options = new IngestionApiOptions();
        configure?.Invoke(options);
        if (options.Secrets.Any(string.IsNullOrWhiteSpace))
        {
            throw new InvalidOperationException("An Ingestion API shared secret is empty; remove it or give it a value.");
        }

        return ApiEndpoints.Map(endpoints, prefix, options);
    }

    private static void RequireServices(IEndpointRouteBuilder endpoints)
    {
        if (endpoints.ServiceProvider.GetService<IngestionOperations>() is null || endpoints.ServiceProvider.GetService<IAntiforgery>() is null)
        {
            throw new InvalidOperationException(
                "The Ingestion dashboard and API need their services: call builder.Services.AddIngestionDashboard() (after AddIngestion) before building the app.");
        }
    }
}
