using System.Text.RegularExpressions;
using Ingestion.AspNetCore.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Ingestion.AspNetCore.Tests.Browser;

// The dashboard in headless Chromium. Every wait is on a page condition (Playwright's auto-waiting expectations), none on time.
public sealed partial class DashboardBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly List<string> _consoleErrors = [];
    private DashboardHost _host = null!;
    private IBrowserContext _context = null!;
    private IPage _page = null!;

    public async ValueTask InitializeAsync()
    {
        // Sync now runs inside the request here, so the run is in the log when the page comes back.
        _host = await DashboardHost.StartAsync(new DashboardHost.Settings { Dashboard = options => options.SyncNowMode = SyncNowMode.Interactive });
        _context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = _host.BaseAddress.AbsoluteUri });
        _page = await _context.NewPageAsync();
        _page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                _consoleErrors.Add(message.Text);
            }
        };
        _page.PageError += (_, error) => _consoleErrors.Add(error);
    }

    public async ValueTask DisposeAsync()
    {
        await _context.DisposeAsync();
        await _host.DisposeAsync();
    }

    private ILocator StreamRow(string stream) => _page.Locator($"tr[data-stream=\"{stream}\"]");

    [Fact]
    public async Task The_page_loads_without_console_errors_and_shows_the_streams_after_a_sync()
    {
        await _host.SyncAsync("items");
        await _host.SyncAsync("people");

        var response = await _page.GotoAsync("ingestion/");

        Assert.Equal(200, response!.Status);
        await Expect(_page).ToHaveTitleAsync(new Regex("Streams"));
        await Expect(StreamRow("demo/items").Locator(".badge").First).ToHaveTextAsync("Healthy");
        await Expect(StreamRow("demo/people").Locator(".badge").First).ToHaveTextAsync("Healthy");
        await Expect(StreamRow("demo/items").Locator("svg.chart")).ToBeVisibleAsync();
        await Expect(_page.GetByRole(AriaRole.Button, new() { Name = "Sync demo/items now" })).ToBeVisibleAsync();

        // Every page of the dashboard, visited by its navigation.
        foreach (var link in new[] { "Runs", "Retries", "Queue", "Streams" })
        {
            await _page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = link, Exact = true }).ClickAsync();
            await Expect(_page.GetByRole(AriaRole.Link, new() { Name = link, Exact = true })).ToHaveAttributeAsync("aria-current", "page");
        }

        Assert.Empty(_consoleErrors);
    }

    [Fact]
    public async Task Sync_now_starts_a_run_that_then_appears_in_the_runs_list()
    {
        await _page.GotoAsync("ingestion/");
        await Expect(StreamRow("demo/items")).ToContainTextAsync("never");

        await _page.GetByRole(AriaRole.Button, new() { Name = "Sync demo/items now" }).ClickAsync();

        await Expect(_page.GetByRole(AriaRole.Status)).ToContainTextAsync("Sync of demo/items finished: items Succeeded.");
        await Expect(StreamRow("demo/items").Locator(".badge").First).ToHaveTextAsync("Healthy");
        await _page.GetByRole(AriaRole.Link, new() { Name = "Runs", Exact = true }).ClickAsync();
        var run = _page.Locator("#run-list tbody tr[data-stream=\"demo/items\"]");
        await Expect(run).ToHaveCountAsync(1);
        await Expect(run).ToContainTextAsync("Succeeded");

        // The run's full report is one click away.
        await run.GetByRole(AriaRole.Link).ClickAsync();
        await Expect(_page.Locator("dl.report")).ToContainTextAsync("New3");
        Assert.Empty(_consoleErrors);
    }

    [Fact]
    public async Task A_degraded_stream_shows_as_degraded_with_its_error()
    {
        _host.Vendor.PeopleDown = true;
        await _host.SyncAsync("people");

        await _page.GotoAsync("ingestion/");

        var row = StreamRow("demo/people");
        await Expect(row).ToHaveAttributeAsync("data-health", "Degraded");
        await Expect(row.Locator(".badge.warn")).ToHaveTextAsync("Degraded");
        await Expect(row).ToContainTextAsync("404");
        await Expect(row.Locator("svg.chart rect[fill=\"#b42318\"]")).ToHaveCountAsync(1);
        await Expect(StreamRow("demo/items")).ToHaveAttributeAsync("data-health", "Unknown");
    }

    [Fact]
    public async Task A_remote_request_without_a_policy_is_refused()
    {
        await using var remote = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = _host.BaseAddress.AbsoluteUri,
            ExtraHTTPHeaders = new Dictionary<string, string> { [DashboardHost.RemoteHeader] = "192.0.2.10" },
        });
        var page = await remote.NewPageAsync();

        var response = await page.GotoAsync("ingestion/");

        Assert.Equal(403, response!.Status);
        await Expect(page.Locator("body")).ToContainTextAsync("answers only requests from this machine");
    }

    [Fact]
    public async Task A_post_without_the_antiforgery_token_is_refused()
    {
        await _page.GotoAsync("ingestion/");
        var form = _page.Locator("form").Filter(new() { Has = _page.GetByRole(AriaRole.Button, new() { Name = "Sync demo/items now" }) });
        await form.Locator("input[name^=\"__RequestVerificationToken\"]").EvaluateAsync("input => input.remove()");

        var response = await _page.RunAndWaitForResponseAsync(
            () => form.GetByRole(AriaRole.Button).ClickAsync(),
            r => r.Request.Method == "POST");

        Assert.Equal(400, response.Status);
        await Expect(_page.Locator("body")).ToContainTextAsync("antiforgery token");
        Assert.Empty(await _host.Get<IRunLog>().GetRecentAsync(null, 10, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_schedule_is_disabled_and_enabled_again_from_the_page()
    {
        await _page.GotoAsync("ingestion/");

        await _page.GetByRole(AriaRole.Button, new() { Name = "Disable schedule demo/people" }).ClickAsync();

        await Expect(_page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Schedule demo/people disabled.");
        await Expect(_page.Locator("tr[data-schedule=\"demo/people\"] .badge")).ToHaveTextAsync("Disabled");
        await Expect(StreamRow("demo/people")).ToHaveAttributeAsync("data-health", "Disabled");
        Assert.False((await _host.Get<IScheduleStore>().GetAsync("demo/people", TestContext.Current.CancellationToken))!.Enabled);

        await _page.GetByRole(AriaRole.Button, new() { Name = "Enable schedule demo/people" }).ClickAsync();

        await Expect(_page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Schedule demo/people enabled.");
        await Expect(_page.Locator("tr[data-schedule=\"demo/people\"] .badge")).ToHaveTextAsync("Enabled");
        Assert.True((await _host.Get<IScheduleStore>().GetAsync("demo/people", TestContext.Current.CancellationToken))!.Enabled);
        Assert.Empty(_consoleErrors);
    }
}
