using Ingestion.Connectors.Finale;
using Ingestion.Connectors.Tests.Support;
using Ingestion.Samples.VendorSimulator;
using Microsoft.Extensions.DependencyInjection;

namespace Ingestion.Connectors.Tests.Finale;

public sealed class FinaleFaultTests(ConnectorTestFixture postgres)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(RateLimitHeaderStyle.ResetEpochMilliseconds)]
    [InlineData(RateLimitHeaderStyle.ResetEpochSeconds)]
    public async Task A_429_burst_with_Finale_reset_headers_is_waited_out_and_nothing_is_lost(RateLimitHeaderStyle style)
    {
        await using var harness = await FinaleHarness.StartAsync(postgres, "finale_429_" + style);
        var rule = harness.Simulator.Faults.Add(new FaultRule(Vendor.Finale, "/*/api/order/", FaultKind.RateLimitBurst, Times: 2) { RateLimitStyle = style });

        var reports = await harness.SyncAsync(FinaleStreams.PurchaseOrders);

        Assert.Equal(2, rule.Fired);
        Assert.All(reports, r => Assert.True(r.Status == RunStatus.Succeeded, reports.Describe()));
        Assert.Equal(harness.Simulator.Data.PurchaseOrderIds.Count, (await harness.LatestAsync(FinaleStreams.PurchaseOrders)).Count);
        Assert.Equal(harness.Simulator.Data.PurchaseOrderIds.Count, (await harness.LatestAsync(FinaleStreams.PurchaseOrderDetails)).Count);
    }

    [Theory]
    [InlineData(FaultKind.ServerErrorBurst)]
    [InlineData(FaultKind.DropConnection)]
    [InlineData(FaultKind.SlowResponse)]
    public async Task Transient_faults_are_retried_and_the_snapshot_is_complete(FaultKind kind)
    {
        await using var harness = await FinaleHarness.StartAsync(postgres, "finale_transient_" + kind);
        var rule = harness.Simulator.Faults.Add(new FaultRule(Vendor.Finale, "/*/api/product/", kind, Times: 2) { StatusCode = 503 });

        // Products is one request at a time, so timing out each slow response times out nothing else.
        var report = (await harness.SyncAsync(FinaleStreams.Products, slowResponses: kind == FaultKind.SlowResponse ? [rule] : [])).Of(FinaleStreams.Products);

        Assert.Equal(2, rule.Fired);
        Assert.True(report.Status == RunStatus.Succeeded, new[] { report }.Describe());
        Assert.Equal(3, report.Requests); // two faulted attempts and the one that succeeded, nothing timed out besides
        Assert.Equal(40, report.RecordsNew);
        Assert.Equal(40, (await harness.LatestAsync(FinaleStreams.Products)).Count);
    }

    [Theory]
    [InlineData(FaultKind.TruncatedBody)]
    [InlineData(FaultKind.MalformedBody)]
    public async Task A_broken_body_keeps_the_last_good_snapshot_and_is_reported(FaultKind kind)
    {
        await using var harness = await FinaleHarness.StartAsync(postgres, "finale_body_" + kind);
        Assert.Equal(RunStatus.Succeeded, (await harness.SyncAsync(FinaleStreams.Facilities)).Of(FinaleStreams.Facilities).Status);
        harness.Simulator.Faults.Add(new FaultRule(Vendor.Finale, "/*/api/facility/", kind, Times: int.MaxValue));

        var report = (await harness.SyncAsync(FinaleStreams.Facilities)).Of(FinaleStreams.Facilities);

        Assert.NotEqual(RunStatus.Succeeded, report.Status);
        Assert.Contains(report.Issues, i => i.Kind == IssueKind.MalformedBody);
        Assert.Equal(0, report.RecordsDeleted);
        var facilities = (await harness.LatestAsync(FinaleStreams.Facilities)).Where(r => !r.IsPartial).ToList();
        Assert.Equal(6, facilities.Count);
        Assert.All(facilities, f => Assert.Null(f.DeletedAt));
    }

    [Fact]
    public async Task An_expired_session_logs_in_again()
    {
        await using var harness = await FinaleHarness.StartAsync(postgres, "finale_session", options =>
        {
            options.ApiKey = null;
            options.ApiSecret = null;
            options.Username = "sim-user";
            options.Password = "sim-password";
        });
        Assert.Equal(RunStatus.Succeeded, (await harness.SyncAsync(FinaleStreams.Products)).Of(FinaleStreams.Products).Status);
        Assert.Equal(1, harness.Simulator.RequestCount(Vendor.Finale, "/*/api/auth"));

        harness.Simulator.State.ExpireFinaleSessions();
        var reports = await harness.SyncAsync();

        Assert.All(reports, r => Assert.True(r.Status == RunStatus.Succeeded, reports.Describe()));
        Assert.Equal(2, harness.Simulator.RequestCount(Vendor.Finale, "/*/api/auth"));
        Assert.Equal(harness.Simulator.Data.PurchaseOrderIds.Count, (await harness.LatestAsync(FinaleStreams.PurchaseOrders)).Count);
    }

    [Fact]
    public async Task An_empty_csv_report_keeps_the_last_good_snapshot_flags_the_run_and_queues_a_retry()
    {
        await using var harness = await FinaleHarness.StartAsync(postgres, "finale_empty_csv");
        Assert.Equal(RunStatus.Succeeded, (await harness.SyncAsync(FinaleHarness.StockReport)).Of(FinaleHarness.StockReport).Status);
        var before = await harness.LatestAsync(FinaleHarness.StockReport);
        harness.Simulator.Faults.Add(new FaultRule(Vendor.Finale, "/*/doc/report/*", FaultKind.EmptyCsvReport, Times: int.MaxValue));

        var report = (await harness.SyncAsync(FinaleHarness.StockReport)).Of(FinaleHarness.StockReport);

        Assert.True(report.GuardTripped);
        Assert.Equal(RunStatus.Partial, report.Status);
        Assert.Equal(0, report.RecordsDeleted);
        Assert.Contains(report.Issues, i => i.Kind == IssueKind.SnapshotGuardTripped && i.Message.Contains("40", StringComparison.Ordinal));
        Assert.Contains(report.Issues, i => i.Kind == IssueKind.SnapshotGuardTripped && i.Message.Contains("queued", StringComparison.Ordinal));
        var after = await harness.LatestAsync(FinaleHarness.StockReport);
        Assert.Equal(before.Select(r => (r.Key, r.Version)), after.Select(r => (r.Key, r.Version)));
        Assert.All(after, r => Assert.Null(r.DeletedAt));

        var stats = await harness.Services.GetRequiredService<IJobQueue>().GetStatsAsync(Token);
        Assert.Contains(stats.Counts, c => c.JobType == IngestionJobTypes.Sync && c.Status == JobStatus.Pending && c.Count == 1);
    }

    [Fact]
    public async Task Silent_truncation_at_the_limit_halves_the_window_until_nothing_is_lost()
    {
        await using var harness = await FinaleHarness.StartAsync(postgres, "finale_truncation", options => options.Limit = 6);
        var rule = harness.Simulator.Faults.Add(new FaultRule(Vendor.Finale, "/*/api/order/", FaultKind.SilentTruncation, Times: int.MaxValue) { Cap = 6 });

        var report = (await harness.SyncAsync(FinaleStreams.PurchaseOrders)).Of(FinaleStreams.PurchaseOrders);

        Assert.True(rule.Fired > 0);
        Assert.True(report.Status == RunStatus.Succeeded, new[] { report }.Describe());
        Assert.Contains(report.Issues, i => i.Kind == IssueKind.PageReplaced && i.Message.Contains("narrower request", StringComparison.Ordinal));
        var stored = (await harness.LatestAsync(FinaleStreams.PurchaseOrders)).Select(FinaleSyncTests.OrderId).Order(StringComparer.Ordinal);
        Assert.Equal(harness.Simulator.Data.PurchaseOrderIds.Order(StringComparer.Ordinal), stored);

        // Every request stayed within Finale's 30-day rule: no 400s.
        Assert.DoesNotContain(harness.Simulator.Requests.For(Vendor.Finale, "/*/api/order/"), r => r.StatusCode == 400);
    }
}
