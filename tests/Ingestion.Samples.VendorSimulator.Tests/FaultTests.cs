using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using static Ingestion.Samples.VendorSimulator.Tests.TestSupport;

namespace Ingestion.Samples.VendorSimulator.Tests;

public sealed class FaultTests
{
    [Fact]
    public async Task Rate_limit_bursts_use_each_vendors_own_429()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 7, 1, 8, 0, 0, TimeSpan.Zero));
        await using var sim = await VendorSimulator.StartAsync(Small(o => o.TimeProvider = time), Ct);
        using var client = sim.Client();
        var token = await sim.JibbleTokenAsync(client);

        var employesRule = sim.Faults.Add(new FaultRule(Vendor.Employes, "/v4/*/employees", FaultKind.RateLimitBurst, Times: 2));
        for (var i = 0; i < 2; i++)
        {
            var (limited, body) = await client.SendJsonAsync(sim.Employes(sim.EmployeesPath()));
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
            Assert.Equal("Too Many Requests", body.RootElement.GetProperty("message").GetString());
            Assert.Null(limited.Headers.RetryAfter);
            Assert.False(limited.Headers.Contains("X-RateLimit-Reset"));
        }

        var (after, _) = await client.SendJsonAsync(sim.Employes(sim.EmployeesPath()));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal(2, employesRule.Fired);

        sim.Faults.Add(new FaultRule(Vendor.Jibble, "/v1/People", FaultKind.RateLimitBurst) { RetryAfter = TimeSpan.FromSeconds(7) });
        var (jibble, _) = await client.SendJsonAsync(Jibble(new Uri(sim.JibbleWorkspaceAddress, "People"), token));
        Assert.Equal(HttpStatusCode.TooManyRequests, jibble.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), jibble.Headers.RetryAfter?.Delta);

        sim.Faults.Add(new FaultRule(Vendor.Finale, "/*/api/order*", FaultKind.RateLimitBurst) { RetryAfter = TimeSpan.FromSeconds(30) });
        using var finale = await client.SendAsync(sim.Finale("order/?limit=1"), Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, finale.StatusCode);
        Assert.Null(finale.Headers.RetryAfter);
        Assert.Equal("0", finale.Headers.GetValues("X-RateLimit-Remaining").Single());
        var reset = long.Parse(finale.Headers.GetValues("X-RateLimit-Reset").Single(), CultureInfo.InvariantCulture);
        Assert.Equal(time.GetUtcNow().AddSeconds(30).ToUnixTimeMilliseconds(), reset);

        sim.Faults.Add(new FaultRule(Vendor.Finale, null, FaultKind.RateLimitBurst) { RetryAfter = TimeSpan.FromSeconds(30), RateLimitStyle = RateLimitHeaderStyle.ResetEpochSeconds });
        using var seconds = await client.SendAsync(sim.Finale("product/"), Ct);
        Assert.Equal(time.GetUtcNow().AddSeconds(30).ToUnixTimeSeconds(), long.Parse(seconds.Headers.GetValues("X-RateLimit-Reset").Single(), CultureInfo.InvariantCulture));

        sim.Faults.Add(new FaultRule(Vendor.Employes, null, FaultKind.RateLimitBurst) { RetryAfter = TimeSpan.FromMinutes(2), RateLimitStyle = RateLimitHeaderStyle.RetryAfterHttpDate });
        var (dated, _) = await client.SendJsonAsync(sim.Employes(sim.EmployeesPath()));
        Assert.Equal(time.GetUtcNow().AddMinutes(2), dated.Headers.RetryAfter?.Date);
    }

    [Fact]
    public async Task Server_error_bursts_then_recover()
    {
        await using var sim = await VendorSimulator.StartAsync(Small(), Ct);
        using var client = sim.Client();
        var id = sim.Data.EmployeeIds[3];
        sim.Faults.Add(new FaultRule(Vendor.Employes, "/v4/*/employees/*", FaultKind.ServerErrorBurst, Times: 1));

        var (failed, body) = await client.SendJsonAsync(sim.Employes($"{sim.EmployeesPath()}/{id}"));
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal("Internal server error", body.RootElement.GetProperty("message").GetString());
        var (ok, _) = await client.SendJsonAsync(sim.Employes($"{sim.EmployeesPath()}/{id}"));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        // Skip lets the first matching requests through: fail only the third page.
        var third = sim.Faults.Add(new FaultRule(Vendor.Employes, "/v4/*/employees", FaultKind.ServerErrorBurst) { Skip = 2, StatusCode = 502 });
        var statuses = new List<HttpStatusCode>();
        for (var page = 1; page <= 4; page++)
        {
            var (response, _) = await client.SendJsonAsync(sim.Employes($"{sim.EmployeesPath()}?page={page}&per_page=100"));
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.BadGateway, HttpStatusCode.OK], statuses);
        Assert.True(third.IsExhausted);

        sim.Faults.Add(new FaultRule(Vendor.Finale, null, FaultKind.ServerErrorBurst) { StatusCode = 503 });
        using var finale = await client.SendAsync(sim.Finale("order/?limit=1"), Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, finale.StatusCode);
    }

    [Fact]
    public async Task A_slow_response_is_held_on_the_simulator_clock_until_its_delay_has_passed()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 7, 1, 8, 0, 0, TimeSpan.Zero));
        await using var sim = await VendorSimulator.StartAsync(Small(o => o.TimeProvider = time), Ct);
        using var client = sim.Client();
        var rule = sim.Faults.Add(new FaultRule(Vendor.Employes, null, FaultKind.SlowResponse, Times: 2) { Delay = TimeSpan.FromSeconds(30) });

        var first = client.SendAsync(sim.Employes(sim.EmployeesPath()), Ct);
        var second = client.SendAsync(sim.Employes(sim.EmployeesPath()), Ct);
        await rule.WhenFired(2).WaitAsync(Ct);
        time.Advance(TimeSpan.FromSeconds(29));

        // Both delays have started (that is what WhenFired waits for) and neither has passed on the simulator's clock.
        Assert.False(first.IsCompleted);
        Assert.False(second.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        using (var held = await first)
        using (var alsoHeld = await second)
        {
            Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (held.StatusCode, alsoHeld.StatusCode));
        }

        Assert.Equal(2, rule.Fired);
        Assert.True(rule.IsExhausted);
        var (normal, _) = await client.SendJsonAsync(sim.Employes(sim.EmployeesPath()));
        Assert.Equal(HttpStatusCode.OK, normal.StatusCode);
        Assert.Equal([FaultKind.SlowResponse, FaultKind.SlowResponse, null], sim.Requests.For(Vendor.Employes).Select(r => r.Fault));
    }

    [Fact]
    public async Task When_fired_counts_each_application_and_completes_at_once_for_a_count_already_reached()
    {
        await using var sim = await VendorSimulator.StartAsync(Small(), Ct);
        using var client = sim.Client();
        var rule = sim.Faults.Add(new FaultRule(Vendor.Employes, null, FaultKind.ServerErrorBurst, Times: 3));
        var third = rule.WhenFired(3);

        for (var i = 1; i <= 2; i++)
        {
            using var response = await client.SendAsync(sim.Employes(sim.EmployeesPath()), Ct);
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
            Assert.True(rule.WhenFired(i).IsCompleted);
        }

        Assert.False(third.IsCompleted);
        using (var response = await client.SendAsync(sim.Employes(sim.EmployeesPath()), Ct))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        }

        await third.WaitAsync(Ct);
        Assert.False(rule.WhenFired(4).IsCompleted);
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = rule.WhenFired(0); });
    }

    [Fact]
    public async Task First_fired_completes_while_the_slow_request_is_still_in_flight()
    {
        await using var sim = await VendorSimulator.StartAsync(Small(), Ct);
        using var client = sim.Client();
        var rule = sim.Faults.Add(new FaultRule(Vendor.Employes, null, FaultKind.SlowResponse) { Delay = TimeSpan.FromMinutes(5), Skip = 1 });
        var (first, _) = await client.SendJsonAsync(sim.Employes(sim.EmployeesPath()));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.False(rule.FirstFired.IsCompleted);

        using var abort = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var slow = client.SendAsync(sim.Employes(sim.EmployeesPath()), abort.Token);
        await rule.FirstFired.WaitAsync(Ct);

        Assert.False(slow.IsCompleted);
        await abort.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slow);
    }

    [Fact]
    public async Task Dropped_connection_fails_the_read()
    {
        await using var sim = await VendorSimulator.StartAsync(Small(), Ct);
        using var client = sim.Client();
        sim.Faults.Add(new FaultRule(Vendor.Finale, "/*/api/order/", FaultKind.DropConnection));

        await Assert.ThrowsAnyAsync<HttpRequestException>(async () =>
        {
            using var response = await client.SendAsync(sim.Finale("order/"), HttpCompletionOption.ResponseContentRead, Ct);
        });

        var (ok, _) = await client.SendJsonAsync(sim.Finale("order/"));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(2, sim.RequestCount(Vendor.Finale, "/*/api/order/"));
        Assert.Equal(FaultKind.DropConnection, sim.Requests.For(Vendor.Finale)[0].Fault);
    }

    [Fact]
    public async Task Truncated_and_malformed_bodies_are_not_json()
    {
        await using var sim = await VendorSimulator.StartAsync(Small(), Ct);
        using var client = sim.Client();
        using var fullResponse = await client.SendAsync(sim.Employes(sim.EmployeesPath()), Ct);
        var full = await fullResponse.Content.ReadAsByteArrayAsync(Ct);

        sim.Faults.Add(new FaultRule(Vendor.Employes, "/v4/*/employees", FaultKind.TruncatedBody));
        using var truncated = await client.SendAsync(sim.Employes(sim.EmployeesPath()), Ct);
        Assert.Equal(HttpStatusCode.OK, truncated.StatusCode);
        var cut = await truncated.Content.ReadAsByteArrayAsync(Ct);
        Assert.Equal(full.Length / 2, cut.Length);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(cut));

        var token = await sim.JibbleTokenAsync(client);
        sim.Faults.Add(new FaultRule(Vendor.Jibble, "/v1/TimeEntries", FaultKind.MalformedBody));
        using var malformed = await client.SendAsync(Jibble(sim.TimeEntries("$filter=belongsToDate ge 2026-06-01"), token), Ct);
        Assert.Equal(HttpStatusCode.OK, malformed.StatusCode);
        var text = await malformed.Content.ReadAsStringAsync(Ct);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(text));
    }

    [Fact]
    public async Task Expired_token_fault_answers_401_once_for_a_valid_token()
    {
        await using var sim = await VendorSimulator.StartAsync(Small(), Ct);
        using var client = sim.Client();
        var token = await sim.JibbleTokenAsync(client);
        sim.Faults.Add(new FaultRule(Vendor.Employes, null, FaultKind.ExpiredToken));
        sim.Faults.Add(new FaultRule(Vendor.Jibble, "/v1/*", FaultKind.ExpiredToken));
        sim.Faults.Add(new FaultRule(Vendor.Finale, null, FaultKind.ExpiredToken));

        var (employes, body) = await client.SendJsonAsync(sim.Employes(sim.EmployeesPath()));
        Assert.Equal(HttpStatusCode.Unauthorized, employes.StatusCode);
        Assert.Equal("Unauthorized", body.RootElement.GetProperty("message").GetString());
        var (jibble, _) = await client.SendJsonAsync(Jibble(new Uri(sim.JibbleWorkspaceAddress, "Groups"), token));
        Assert.Equal(HttpStatusCode.Unauthorized, jibble.StatusCode);
        using var finale = await client.SendAsync(sim.Finale("facility/"), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, finale.StatusCode);

        var (employesAgain, _) = await client.SendJsonAsync(sim.Employes(sim.EmployeesPath()));
        Assert.Equal(HttpStatusCode.OK, employesAgain.StatusCode);
        var (jibbleAgain, _) = await client.SendJsonAsync(Jibble(new Uri(sim.JibbleWorkspaceAddress, "Groups"), token));
        Assert.Equal(HttpStatusCode.OK, jibbleAgain.StatusCode);
        using var finaleAgain = await client.SendAsync(sim.Finale("facility/"), Ct);
        Assert.Equal(HttpStatusCode.OK, finaleAgain.StatusCode);
    }

    [Fact]
    public async Task Empty_csv_report_is_header_only_or_zero_bytes()
    {
        await using var sim = await VendorSimulator.StartAsync(Small(), Ct);
        using var client = sim.Client();
        sim.Faults.Add(new FaultRule(Vendor.Finale, "/*/doc/report/*", FaultKind.EmptyCsvReport));
        sim.Faults.Add(new FaultRule(Vendor.Finale, "/*/doc/report/*", FaultKind.EmptyCsvReport) { ZeroByteCsv = true });

        using var headerOnly = await client.SendAsync(sim.FinaleReport("order"), Ct);
        var lines = (await headerOnly.Content.ReadAsStringAsync(Ct)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("\"Order ID\"", lines[0], StringComparison.Ordinal);

        using var zero = await client.SendAsync(sim.FinaleReport("order"), Ct);
        Assert.Equal(HttpStatusCode.OK, zero.StatusCode);
        Assert.Empty(await zero.Content.ReadAsByteArrayAsync(Ct));

        using var full = await client.SendAsync(sim.FinaleReport("order"), Ct);
        Assert.True((await full.Content.ReadAsStringAsync(Ct)).Split("\r\n").Length > 100);
    }

    [Fact]
    public async Task Silent_truncation_caps_the_collection_without_any_indication()
    {
        await using var sim = await VendorSimulator.StartAsync(new SimulatorOptions(), Ct);
        using var client = sim.Client();
        var from = new DateTime(2026, 5, 1, 0, 0, 0, DateTimeKind.Utc);
        var to = new DateTime(2026, 5, 30, 0, 0, 0, DateTimeKind.Utc);
        Assert.True(sim.Data.CountOrdersUpdatedBetween(from, to) > 100);
        sim.Faults.Add(new FaultRule(Vendor.Finale, "/*/api/order/", FaultKind.SilentTruncation) { Cap = 100 });

        using var response = await client.SendAsync(sim.Finale("order/?filter=" + Window(from, to)), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(100, Rows(json.RootElement).Count);
        Assert.DoesNotContain(response.Headers, h => h.Key.StartsWith("X-", StringComparison.OrdinalIgnoreCase));

        var token = await sim.JibbleTokenAsync(client);
        sim.Faults.Add(new FaultRule(Vendor.Jibble, "/v1/TimeEntries", FaultKind.SilentTruncation) { Cap = 250 });
        var (_, entries) = await client.SendJsonAsync(Jibble(sim.TimeEntries("$filter=belongsToDate ge 2026-06-01&$top=1000"), token));
        Assert.Equal(250, entries.RootElement.GetProperty("value").GetArrayLength());
    }

    [Fact]
    public async Task Enforced_rate_limits_follow_each_vendors_budget_and_can_be_switched_off()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 7, 1, 8, 0, 0, 100, TimeSpan.Zero));
        await using var sim = await VendorSimulator.StartAsync(Small(o => { o.TimeProvider = time; o.EnforceRateLimits = true; }), Ct);
        using var client = sim.Client();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            var (response, _) = await client.SendJsonAsync(sim.Employes(sim.EmployeesPath()));
            statuses.Add(response.StatusCode);
        }

        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);

        time.Advance(TimeSpan.FromSeconds(1));
        var (next, _) = await client.SendJsonAsync(sim.Employes(sim.EmployeesPath()));
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);

        for (var i = 0; i < 120; i++)
        {
            using var ok = await client.SendAsync(sim.Finale("facility/"), Ct);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var limited = await client.SendAsync(sim.Finale("facility/"), Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("120", limited.Headers.GetValues("X-RateLimit-Limit").Single());
        Assert.True(long.Parse(limited.Headers.GetValues("X-RateLimit-Reset").Single(), CultureInfo.InvariantCulture) > 1_000_000_000_000);

        sim.RateLimitsEnabled = false;
        using var unlimited = await client.SendAsync(sim.Finale("facility/"), Ct);
        Assert.Equal(HttpStatusCode.OK, unlimited.StatusCode);
    }

    [Fact]
    public async Task Request_log_counts_requests_and_concurrency()
    {
        // Every request is held (a slow response on the simulator's fake clock) until all eight are in flight at once.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 7, 1, 8, 0, 0, TimeSpan.Zero));
        await using var sim = await VendorSimulator.StartAsync(Small(o => o.TimeProvider = time), Ct);
        using var client = sim.Client();
        var hold = sim.Faults.Add(new FaultRule(Vendor.Employes, "/v4/*/employees/*/employments", FaultKind.SlowResponse, Times: 8) { Delay = TimeSpan.FromSeconds(1) });
        var ids = sim.Data.EmployeeIds.Take(8).ToList();
        var sending = Task.WhenAll(ids.Select(id => client.SendAsync(sim.Employes($"{sim.EmployeesPath()}/{id}/employments"), Ct)));
        await hold.WhenFired(8).WaitAsync(Ct);
        time.Advance(TimeSpan.FromSeconds(1));
        var responses = await sending;
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        foreach (var response in responses)
        {
            response.Dispose();
        }

        Assert.Equal(8, sim.RequestCount(Vendor.Employes, "/v4/*/employees/*/employments"));
        Assert.Equal(0, sim.RequestCount(Vendor.Finale));
        Assert.Equal(8, sim.Requests.MaxConcurrency(Vendor.Employes));
        Assert.All(sim.Requests.For(Vendor.Employes), r => Assert.Equal(200, r.StatusCode));
    }
}
