using System.Text;
using System.Text.Json;
using Ingestion.Connectors.Finale;
using Ingestion.Connectors.Tests.Support;
using Ingestion.Samples.VendorSimulator;

namespace Ingestion.Connectors.Tests.Finale;

/// <summary>Finale where the real API is stricter than a friendly fake: closed <c>lastUpdatedDate</c> ranges and 300 collection requests an hour.</summary>
public sealed class FinaleStrictApiTests(ConnectorTestFixture postgres)
{
    [Fact]
    public async Task Every_order_window_is_closed_and_the_last_ends_at_the_runs_start_plus_the_clock_margin()
    {
        await using var harness = await FinaleHarness.StartAsync(postgres, nameof(Every_order_window_is_closed_and_the_last_ends_at_the_runs_start_plus_the_clock_margin));
        var reports = await harness.SyncAsync(FinaleStreams.PurchaseOrders);
        var started = reports.Single(r => r.Stream.Stream == FinaleStreams.PurchaseOrders).StartedAt;

        Assert.All(reports, r => Assert.True(r.Status == RunStatus.Succeeded, reports.Describe()));
        Assert.Equal(harness.Simulator.Data.PurchaseOrderIds.Count, (await harness.LatestAsync(FinaleStreams.PurchaseOrders)).Count);
        var windows = harness.Simulator.Requests.For(Vendor.Finale, "/*/api/order/").Select(r => Window(r.Query)).ToList();
        Assert.NotEmpty(windows);
        Assert.All(windows, w => Assert.NotNull(w.To));
        Assert.Equal(OrderWindowsEnd(started), windows.Max(w => w.To));
    }

    [Fact]
    public async Task The_hourly_collection_budget_stops_the_run_before_finale_answers_429_and_the_next_run_resumes()
    {
        await using var harness = await FinaleHarness.StartAsync(
            postgres,
            nameof(The_hourly_collection_budget_stops_the_run_before_finale_answers_429_and_the_next_run_resumes),
            configure: o => o.CollectionRequestsPerHour = 6,
            simulator: o =>
            {
                o.EnforceRateLimits = true;
                o.FinaleCollectionRequestsPerHour = 6;
            });
        var sim = harness.Simulator;

        var first = (await harness.SyncAsync(FinaleStreams.PurchaseOrders)).Single(r => r.Stream.Stream == FinaleStreams.PurchaseOrders);

        Assert.Equal(RunStatus.Partial, first.Status);
        Assert.Contains(first.Issues, i => i.Kind == IssueKind.BudgetExhausted);
        Assert.Equal(6, sim.RequestCount(Vendor.Finale, "/*/api/order/"));
        Assert.DoesNotContain(sim.Requests.For(Vendor.Finale), r => r.StatusCode == 429);

        // An hour later, on both clocks, the next run resumes from the checkpoint and goes on.
        harness.Clock.Advance(TimeSpan.FromHours(1));
        harness.SimulatorClock.Advance(TimeSpan.FromHours(1));
        var second = (await harness.SyncAsync(FinaleStreams.PurchaseOrders)).Single(r => r.Stream.Stream == FinaleStreams.PurchaseOrders);
        Assert.Equal(12, sim.RequestCount(Vendor.Finale, "/*/api/order/"));
        Assert.DoesNotContain(sim.Requests.For(Vendor.Finale), r => r.StatusCode == 429);
        Assert.Contains(second.Issues, i => i.Kind == IssueKind.BudgetExhausted);
        var windows = sim.Requests.For(Vendor.Finale, "/*/api/order/").Select(r => Window(r.Query)).ToList();
        Assert.Equal(windows[5].To, windows[6].From); // resumed where the first run stopped, not from the start
    }

    [Fact]
    public async Task With_limits_enforced_the_connectors_own_budgets_keep_every_request_within_them()
    {
        // Finale's limits on the engine's clock, tightened so the budgets have to wait; the connector's budgets set alike.
        await using var harness = await FinaleHarness.StartAsync(
            postgres,
            nameof(With_limits_enforced_the_connectors_own_budgets_keep_every_request_within_them),
            configure: o =>
            {
                o.RequestsPerMinute = 5;
                o.CollectionRequestsPerHour = 300;
                o.SyncOrderDetails = false;

                // Budget waits take up to a minute here; the attempt timeout stays out of their way.
                o.Resilience = new ResilienceSettings { AttemptTimeout = TimeSpan.FromMinutes(10), BaseDelay = TimeSpan.FromMilliseconds(5) };
            },
            simulator: o =>
            {
                o.EnforceRateLimits = true;
                o.FinaleRequestsPerMinute = 5;
            },
            shareClockWithSimulator: true);

        var reports = await harness.Clock.DriveAsync(
            harness.Runner.SyncSourceAsync(FinaleOptions.DefaultName, null, TestContext.Current.CancellationToken), due => due < TimeSpan.FromMinutes(10));

        Assert.All(reports, r => Assert.True(r.Status == RunStatus.Succeeded, reports.Describe()));
        Assert.DoesNotContain(harness.Simulator.Requests.For(Vendor.Finale), r => r.StatusCode == 429);
        Assert.True(harness.Simulator.RequestCount(Vendor.Finale) > 10);
    }

    [Fact]
    public async Task Orders_are_fetched_by_the_url_finale_gives_and_dates_with_and_without_offsets_compare_as_instants()
    {
        await using var harness = await FinaleHarness.StartAsync(
            postgres,
            nameof(Orders_are_fetched_by_the_url_finale_gives_and_dates_with_and_without_offsets_compare_as_instants),
            simulator: o =>
            {
                o.FinaleOrderUrlSlugs = true;
                o.FinaleDatesWithOffsets = true;
            });
        var sim = harness.Simulator;

        var first = await harness.SyncAsync(FinaleStreams.PurchaseOrders);

        Assert.All(first, r => Assert.True(r.Status == RunStatus.Succeeded, first.Describe()));
        var orders = await harness.LatestAsync(FinaleStreams.PurchaseOrders);
        var details = await harness.LatestAsync(FinaleStreams.PurchaseOrderDetails);
        Assert.Equal(sim.Data.PurchaseOrderIds.Count, details.Count);
        Assert.All(orders, o => Assert.DoesNotContain(JsonDocument.Parse(o.Payload).RootElement.GetProperty("orderId").GetString()!, o.Key, StringComparison.Ordinal));
        Assert.Contains(orders, o => JsonDocument.Parse(o.Payload).RootElement.GetProperty("lastUpdatedDate").GetString()!.EndsWith("+02:00", StringComparison.Ordinal));
        Assert.Contains(orders, o => !JsonDocument.Parse(o.Payload).RootElement.GetProperty("lastUpdatedDate").GetString()!.Contains('+', StringComparison.Ordinal));
        var watermark = first.Single(r => r.Stream.Stream == FinaleStreams.PurchaseOrders).Watermark!;
        var newest = orders.Select(o => DateTimeOffset.Parse(JsonDocument.Parse(o.Payload).RootElement.GetProperty("lastUpdatedDate").GetString()!, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal)).Max();
        Assert.Equal(newest, DateTimeOffset.Parse(watermark, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal));

        // The next run starts from that instant: nothing is new or changed.
        harness.Clock.Advance(TimeSpan.FromMinutes(5));
        var second = (await harness.SyncAsync(FinaleStreams.PurchaseOrders)).Single(r => r.Stream.Stream == FinaleStreams.PurchaseOrders);
        Assert.Equal(RunStatus.Succeeded, second.Status);
        Assert.Equal((0, 0), (second.RecordsNew, second.RecordsChanged));
    }

    // The last window's end: the run's start (to the second) plus the one-hour clock margin.
    private static DateTimeOffset OrderWindowsEnd(DateTimeOffset started) =>
        new DateTimeOffset(started.UtcTicks - (started.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero).AddHours(1);

    private static (DateTimeOffset From, DateTimeOffset? To) Window(string query)
    {
        var filter = Uri.UnescapeDataString(query.TrimStart('?').Split('&').Single(p => p.StartsWith("filter=", StringComparison.Ordinal))["filter=".Length..]);
        using var document = JsonDocument.Parse(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Convert.FromBase64String(filter))));
        var range = document.RootElement.GetProperty("lastUpdatedDate");
        var to = range[1].ValueKind == JsonValueKind.Null ? (DateTimeOffset?)null : DateTimeOffset.Parse(range[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        return (DateTimeOffset.Parse(range[0].GetString()!, System.Globalization.CultureInfo.InvariantCulture), to);
    }
}
