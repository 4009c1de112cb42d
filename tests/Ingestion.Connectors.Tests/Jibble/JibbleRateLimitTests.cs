using Ingestion.Connectors.Tests.Support;
using Ingestion.Samples.VendorSimulator;

namespace Ingestion.Connectors.Tests.Jibble;

/// <summary>The simulator enforces a Jibble limit on the engine's (fake) clock; the connector's budget set alike keeps within it.</summary>
public sealed class JibbleRateLimitTests(ConnectorTestFixture database)
{
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task With_the_limit_enforced_the_connectors_budget_keeps_every_request_within_it()
    {
        await using var harness = await JibbleHarness.StartAsync(
            database,
            nameof(With_the_limit_enforced_the_connectors_budget_keeps_every_request_within_it),
            new Dictionary<string, string?>
            {
                ["Jibble:RequestsPerMinute"] = "2",

                // Budget waits take up to a minute here; the attempt timeout stays out of their way.
                ["Jibble:Resilience:AttemptTimeout"] = AttemptTimeout.ToString(),
            },
            simulator: o =>
            {
                o.EnforceRateLimits = true;
                o.JibbleRequestsPerMinute = 2;
            });

        var reports = await harness.Clock.DriveAsync(
            harness.Runner.SyncSourceAsync("jibble", null, TestContext.Current.CancellationToken), due => due < AttemptTimeout);

        Assert.All(reports, r => Assert.Equal(RunStatus.Succeeded, r.Status));
        Assert.Equal(harness.Simulator.Data.TimeEntryCount, await harness.CountAsync(Ingestion.Connectors.Jibble.JibbleStreams.TimeEntries));
        Assert.DoesNotContain(harness.Simulator.Requests.For(Vendor.Jibble), r => r.StatusCode == 429);
        var apiRequests = harness.Simulator.RequestCount(Vendor.Jibble) - harness.Simulator.RequestCount(Vendor.Jibble, "/connect/token");
        Assert.True(apiRequests > 2 * 2, $"{apiRequests} requests: the run should have needed the budget's waits");
    }
}
