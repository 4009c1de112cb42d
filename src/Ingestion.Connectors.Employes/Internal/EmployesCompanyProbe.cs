using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Ingestion.Connectors.Employes.Internal;

/// <summary>
/// The cheap "is this token for this company?" probe: <c>GET /v4/companies</c> lists the companies the token can see. The
/// result says whether <see cref="EmployesOptions.CompanyId"/> is among them, and if not, why, in words naming the keys to fix.
/// </summary>
internal static class EmployesCompanyProbe
{
    public static async Task<(bool Ok, string Message)> CheckAsync(string source, EmployesOptions options, EmployesOptionsValidator keys, HttpClient client, CancellationToken cancellationToken)
    {
        var baseAddress = options.BaseAddress.EndsWith('/') ? options.BaseAddress : options.BaseAddress + "/";
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(baseAddress), "companies"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.BearerToken?.Trim());
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return (false, $"Employes could not be reached to check the company of source '{source}' (GET {request.RequestUri}): {exception.Message}");
        }

        using (response)
        {
            var company = keys.Key(nameof(EmployesOptions.CompanyId));
            var token = keys.Key(nameof(EmployesOptions.BearerToken));
            switch (response.StatusCode)
            {
                case HttpStatusCode.Unauthorized:
                    return (false, $"Employes refused the token of source '{source}' (401 on GET /v4/companies): generate a new token in the Employes web app and set {token}.");
                case HttpStatusCode.Forbidden:
                    return (false, $"Employes answered 403 to GET /v4/companies for source '{source}': check {keys.Key(nameof(EmployesOptions.BaseAddress))} (it must end in /v4/) and {token}.");
                case var status when !response.IsSuccessStatusCode:
                    return (false, $"GET /v4/companies for source '{source}' answered {(int)status}; the company could not be checked.");
            }

            var ids = await ReadIdsAsync(response, cancellationToken).ConfigureAwait(false);
            if (ids is null)
            {
                return (false, $"GET /v4/companies for source '{source}' answered a body that is not a list of companies; the company could not be checked.");
            }

            if (Guid.TryParse(options.CompanyId, out var wanted) && ids.Contains(wanted))
            {
                return (true, $"The token of source '{source}' can see company {wanted:D}.");
            }

            return (false, ids.Count == 0
                ? $"The company id and the token of source '{source}' do not match: the token can see no company at all. Set {token} to a token of the company {options.CompanyId} ({company})."
                : $"The company id and the token of source '{source}' do not match: {company} is {options.CompanyId}, but the token can see only {string.Join(", ", ids.Select(id => id.ToString("D")))}. Set {company} to one of these, or {token} to a token of that company.");
        }
    }

    // The ids of {"data":[{"id":...}]} or a bare array; null when the body is neither.
    private static async Task<HashSet<Guid>?> ReadIdsAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), cancellationToken: cancellationToken).ConfigureAwait(false);
            var list = document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("data", out var data) ? data : document.RootElement;
            if (list.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            var ids = new HashSet<Guid>();
            foreach (var item in list.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String && Guid.TryParse(id.GetString(), out var guid))
                {
                    ids.Add(guid);
                }
            }

            return ids;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>The company probe as a health check: healthy when the token can see the configured company.</summary>
internal sealed class EmployesCompanyHealthCheck(string source, EmployesOptions options, EmployesOptionsValidator keys, HttpClient client) : Microsoft.Extensions.Diagnostics.HealthChecks.IHealthCheck
{
    public async Task<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult> CheckHealthAsync(Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (ok, message) = await EmployesCompanyProbe.CheckAsync(source, options, keys, client, cancellationToken).ConfigureAwait(false);
        return ok
            ? Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy(message)
            : new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult(context.Registration.FailureStatus, message);
    }
}

/// <summary>Checks the company at start-up when <see cref="EmployesOptions.VerifyCompanyOnStart"/> is set; a mismatch stops the host.</summary>
internal sealed class EmployesCompanyStartupCheck(string source, Microsoft.Extensions.Options.IOptionsMonitor<EmployesOptions> options, EmployesOptionsValidator keys, IHttpClientFactory clients) : Microsoft.Extensions.Hosting.IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var current = options.Get(source);
        if (!current.VerifyCompanyOnStart)
        {
            return;
        }

        using var client = clients.CreateClient(EmployesCompanyChecks.ClientName);
        var (ok, message) = await EmployesCompanyProbe.CheckAsync(source, current, keys, client, cancellationToken).ConfigureAwait(false);
        if (!ok)
        {
            throw new InvalidOperationException($"{message} ({keys.Key(nameof(EmployesOptions.VerifyCompanyOnStart))} is on.)");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

internal static class EmployesCompanyChecks
{
    public const string ClientName = "Ingestion.Connectors.Employes.CompanyCheck";
}
