using Ingestion.Connectors.Tests.Support;
using Ingestion.Samples.VendorSimulator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Ingestion.Connectors.Tests.Employes;

/// <summary>GET /v4/companies as the cheap "is this token for this company?" probe: at start-up (opt-in) and as a health check.</summary>
public sealed class EmployesCompanyCheckTests(ConnectorTestFixture fixture)
{
    private static readonly Guid OtherCompany = new("0b0b0b0b-1111-4222-8333-444444444444");

    [Fact]
    public async Task A_company_the_token_cannot_see_stops_the_start_with_a_message_naming_both_keys_when_asked_to_verify()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => EmployesHarness.StartAsync(
            fixture, nameof(EmployesCompanyCheckTests), "verify-wrong", configure: o =>
            {
                o.CompanyId = OtherCompany.ToString();
                o.VerifyCompanyOnStart = true;
            }));

        Assert.Contains("do not match", error.Message, StringComparison.Ordinal);
        Assert.Contains(OtherCompany.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(Ingestion.Connectors.Employes.EmployesOptions.CompanyId), error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(Ingestion.Connectors.Employes.EmployesOptions.BearerToken), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_matching_company_starts_after_one_companies_request_and_verifying_is_off_by_default()
    {
        await using (var verified = await EmployesHarness.StartAsync(fixture, nameof(EmployesCompanyCheckTests), "verify-right", configure: o => o.VerifyCompanyOnStart = true))
        {
            Assert.Equal(1, verified.Simulator.RequestCount(Vendor.Employes, "/v4/companies"));
        }

        await using var unverified = await EmployesHarness.StartAsync(fixture, nameof(EmployesCompanyCheckTests), "verify-default");
        Assert.Equal(0, unverified.Simulator.RequestCount(Vendor.Employes, "/v4/companies"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_health_check_is_healthy_only_when_the_token_can_see_the_company(bool matching)
    {
        var source = matching ? "health-right" : "health-wrong";
        await using var harness = await EmployesHarness.StartAsync(
            fixture,
            nameof(EmployesCompanyCheckTests),
            source,
            configure: o => o.CompanyId = matching ? o.CompanyId : OtherCompany.ToString(),
            services: s => s.AddHealthChecks().AddEmployesCompanyCheck(source));

        var report = await harness.Host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(TestContext.Current.CancellationToken);

        var entry = Assert.Single(report.Entries).Value;
        Assert.Equal(matching ? HealthStatus.Healthy : HealthStatus.Unhealthy, entry.Status);
        if (!matching)
        {
            Assert.Contains("do not match", entry.Description, StringComparison.Ordinal);
            Assert.Contains(harness.Simulator.Options.EmployesCompanyId.ToString(), entry.Description, StringComparison.Ordinal);
        }
    }
}
