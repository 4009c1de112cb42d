using Ingestion.Connectors.Tests.Support;
using Ingestion.Samples.VendorSimulator;

namespace Ingestion.Connectors.Tests.Employes;

/// <summary>
/// The simulator enforces Employes' 5 requests a second on the engine's own (fake) clock, and the connector runs with its default
/// budget: the fan-out of four concurrent employments requests stays within the limit, so no request is ever answered 429.
/// </summary>
public sealed class EmployesRateLimitTests(ConnectorTestFixture fixture)
{
    [Fact]
    public async Task The_default_budget_keeps_a_fan_out_of_four_within_five_requests_a_second()
    {
        var simulator = EmployesHarness.SmallData(employees: 40);
        simulator.EnforceRateLimits = true;
        await using var harness = await EmployesHarness.StartAsync(
            fixture, nameof(EmployesRateLimitTests), "budget", simulator, o =>
            {
                o.RequestsPerSecond = 5;
                o.MaxConcurrency = 4;
            }, shareClockWithSimulator: true);

        var (employees, employments) = await harness.SyncAsync();

        Assert.Equal(RunStatus.Succeeded, employees.Status);
        Assert.Equal(RunStatus.Succeeded, employments.Status);
        Assert.Equal(40, employments.RecordsNew);
        Assert.DoesNotContain(harness.Simulator.Requests.For(Vendor.Employes), r => r.StatusCode == 429);
        Assert.Equal(8 + 40, harness.Simulator.RequestCount(Vendor.Employes));
    }
}
