using Ingestion.Connectors.Jibble;
using Ingestion.Connectors.Tests.Support;
using Ingestion.Samples.VendorSimulator;

namespace Ingestion.Connectors.Tests.Jibble;

/// <summary>Every simulated fault ends with everything stored and the fault named on the run.</summary>
public sealed class JibbleFaultTests(ConnectorTestFixture database)
{
    private static readonly DateOnly First = new(2026, 6, 1);
    private static readonly DateOnly Tomorrow = new(2026, 7, 2);

    [Fact]
    public async Task A_429_burst_with_jibbles_retry_after_is_waited_out()
    {
        await using var harness = await JibbleHarness.StartAsync(database, nameof(A_429_burst_with_jibbles_retry_after_is_waited_out));
        var rule = harness.Simulator.Faults.Add(new FaultRule(Vendor.Jibble, "/v1/TimeEntries", FaultKind.RateLimitBurst, Times: 2)
        {
            Skip = 1,
            RetryAfter = TimeSpan.FromSeconds(7),
        });

        var reports = await harness.SyncAsync();

        Assert.Equal(2, rule.Fired);
        var entries = reports.For(JibbleStreams.TimeEntries);
        Assert.Equal(RunStatus.Succeeded, entries.Status);
        Assert.Contains(entries.Issues, i => i.Kind == IssueKind.RetrySucceeded && i.Message.Contains("429", StringComparison.Ordinal));
        Assert.True(harness.Clock.GetUtcNow() - JibbleHarness.Now >= TimeSpan.FromSeconds(14), "Retry-After was honoured on the clock");
        await AssertNothingLostAsync(harness);
    }

    [Fact]
    public async Task A_429_that_never_ends_fails_that_stream_only_and_the_next_run_catches_up()
    {
        await using var harness = await JibbleHarness.StartAsync(database, nameof(A_429_that_never_ends_fails_that_stream_only_and_the_next_run_catches_up));
        var rule = harness.Simulator.Faults.Add(new FaultRule(Vendor.Jibble, "/v1/People", FaultKind.RateLimitBurst, Times: int.MaxValue));

        var first = await harness.SyncAsync();

        var people = first.For(JibbleStreams.People);
        Assert.Equal(RunStatus.Failed, people.Status);
        Assert.Contains(people.Issues, i => i.Kind == IssueKind.RateLimited && i.HttpStatusCode == 429);
        Assert.Equal(RunStatus.Succeeded, first.For(JibbleStreams.Groups).Status);
        Assert.Equal(RunStatus.Succeeded, first.For(JibbleStreams.TimeEntries).Status);

        harness.Simulator.Faults.Remove(rule);
        var second = await harness.SyncAsync();
        Assert.Equal(RunStatus.Succeeded, second.For(JibbleStreams.People).Status);
        await AssertNothingLostAsync(harness);
    }

    [Fact]
    public async Task A_5xx_burst_is_retried()
    {
        await using var harness = await JibbleHarness.StartAsync(database, nameof(A_5xx_burst_is_retried));
        var rule = harness.Simulator.Faults.Add(new FaultRule(Vendor.Jibble, "/v1/TimeEntries", FaultKind.ServerErrorBurst, Times: 3) { Skip = 2, StatusCode = 503 });

        var reports = await harness.SyncAsync();

        Assert.Equal(3, rule.Fired);
        var entries = reports.For(JibbleStreams.TimeEntries);
        Assert.Equal(RunStatus.Succeeded, entries.Status);
        Assert.Contains(entries.Issues, i => i.Kind == IssueKind.RetrySucceeded && i.Message.Contains("503", StringComparison.Ordinal));
        await AssertNothingLostAsync(harness);
    }

    [Fact]
    public async Task A_response_slower_than_the_attempt_timeout_is_abandoned_and_retried()
    {
        await using var harness = await JibbleHarness.StartAsync(database, nameof(A_response_slower_than_the_attempt_timeout_is_abandoned_and_retried));
        var rule = harness.Simulator.Faults.Add(new FaultRule(Vendor.Jibble, "/v1/TimeEntries", FaultKind.SlowResponse) { Skip = 1, Delay = TimeSpan.FromMinutes(10) });

        var sync = harness.SyncAsync();
        await rule.FirstFired.WaitAsync(TestContext.Current.CancellationToken);
        harness.Clock.Advance(JibbleHarness.AttemptTimeout);
        var reports = await sync;

        var entries = reports.For(JibbleStreams.TimeEntries);
        Assert.Equal(RunStatus.Succeeded, entries.Status);
        Assert.Contains(entries.Issues, i => i.Kind == IssueKind.RetrySucceeded && i.Message.Contains("timed out", StringComparison.Ordinal));
        await AssertNothingLostAsync(harness);
    }

    [Fact]
    public Task A_dropped_connection_is_retried() =>
        AssertOneFaultIsRetriedWithinTheRunAsync(FaultKind.DropConnection, nameof(A_dropped_connection_is_retried));

    [Fact]
    public Task A_page_malformed_once_is_retried_within_the_run() =>
        AssertOneFaultIsRetriedWithinTheRunAsync(FaultKind.MalformedBody, nameof(A_page_malformed_once_is_retried_within_the_run));

    // The second time-entries request fails once with the fault; the retry gets the page and the run loses nothing.
    private async Task AssertOneFaultIsRetriedWithinTheRunAsync(FaultKind fault, string databaseName)
    {
        await using var harness = await JibbleHarness.StartAsync(database, databaseName);
        var rule = harness.Simulator.Faults.Add(new FaultRule(Vendor.Jibble, "/v1/TimeEntries", fault) { Skip = 1 });

        var reports = await harness.SyncAsync();

        Assert.Equal(1, rule.Fired);
        var entries = reports.For(JibbleStreams.TimeEntries);
        Assert.Equal(RunStatus.Succeeded, entries.Status);
        Assert.Contains(entries.Issues, i => i.Kind == IssueKind.RetrySucceeded);
        await AssertNothingLostAsync(harness);
    }

    [Fact]
    public async Task A_page_malformed_on_every_attempt_is_flagged_and_the_next_run_fetches_it_again()
    {
        await using var harness = await JibbleHarness.StartAsync(database, nameof(A_page_malformed_on_every_attempt_is_flagged_and_the_next_run_fetches_it_again));
        var rule = harness.Simulator.Faults.Add(new FaultRule(Vendor.Jibble, "/v1/TimeEntries", FaultKind.MalformedBody, Times: int.MaxValue) { Skip = 1 });

        var first = await harness.SyncAsync();
        harness.Simulator.Faults.Remove(rule);

        var entries = first.For(JibbleStreams.TimeEntries);
        Assert.Equal(RunStatus.Partial, entries.Status);
        Assert.Contains(entries.Issues, i => i.Kind == IssueKind.MalformedBody);
        Assert.Equal(1, entries.RecordsPartial);
        Assert.True(entries.RecordsNew > 0, "the page before the malformed one was kept");

        var second = await harness.SyncAsync();
        Assert.Equal(RunStatus.Succeeded, second.For(JibbleStreams.TimeEntries).Status);
        await AssertNothingLostAsync(harness);
    }

    [Fact]
    public async Task An_expired_token_is_refreshed_once_and_the_request_repeated()
    {
        await using var harness = await JibbleHarness.StartAsync(database, nameof(An_expired_token_is_refreshed_once_and_the_request_repeated));
        var sim = harness.Simulator;
        var rule = sim.Faults.Add(new FaultRule(Vendor.Jibble, "/v1/Groups", FaultKind.ExpiredToken));

        var reports = await harness.SyncAsync();

        Assert.Equal(1, rule.Fired);
        Assert.All(reports, r => Assert.Equal(RunStatus.Succeeded, r.Status));
        Assert.Contains(reports.For(JibbleStreams.Groups).Issues, i => i.Kind == IssueKind.RetrySucceeded && i.Message.Contains("401", StringComparison.Ordinal));
        Assert.Equal(2, sim.RequestCount(Vendor.Jibble, "/connect/token"));
        await AssertNothingLostAsync(harness);
    }

    [Fact]
    public async Task Credentials_the_token_endpoint_refuses_fail_the_run_as_unauthorized_without_leaking_the_secret()
    {
        await using var harness = await JibbleHarness.StartAsync(
            database,
            nameof(Credentials_the_token_endpoint_refuses_fail_the_run_as_unauthorized_without_leaking_the_secret),
            new Dictionary<string, string?> { ["Jibble:ClientSecret"] = "wrong-secret-value" });

        var reports = await harness.SyncAsync();

        Assert.All(reports, r =>
        {
            Assert.Equal(RunStatus.Failed, r.Status);
            Assert.Contains(r.Issues, i => i.Kind == IssueKind.Unauthorized);
            Assert.DoesNotContain(r.Issues, i => i.Message.Contains("wrong-secret-value", StringComparison.Ordinal));
        });
        Assert.DoesNotContain(harness.Host.Logs.Lines, l => l.Contains("wrong-secret-value", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_token_is_renewed_before_it_expires()
    {
        await using var harness = await JibbleHarness.StartAsync(database, nameof(The_token_is_renewed_before_it_expires));
        var sim = harness.Simulator;
        await harness.SyncAsync();
        Assert.Equal(1, sim.RequestCount(Vendor.Jibble, "/connect/token"));

        // Within the last minute of the hour-long token: renewed ahead of time, so the API never answers 401.
        harness.Clock.Advance(TimeSpan.FromSeconds(3600 - 50));
        var reports = await harness.SyncAsync();

        Assert.All(reports, r => Assert.Equal(RunStatus.Succeeded, r.Status));
        Assert.Equal(2, sim.RequestCount(Vendor.Jibble, "/connect/token"));
        Assert.DoesNotContain(sim.Requests.For(Vendor.Jibble), r => r.StatusCode == 401);
    }

    private static async Task AssertNothingLostAsync(JibbleHarness harness)
    {
        var sim = harness.Simulator;
        Assert.Equal(sim.Data.PersonIds.Count, await harness.CountAsync(JibbleStreams.People));
        Assert.Equal(sim.Data.CountTimeEntries(First, Tomorrow), await harness.CountAsync(JibbleStreams.TimeEntries));
        var groups = await harness.LatestAsync(JibbleStreams.Groups);
        Assert.NotEmpty(groups);
    }
}
