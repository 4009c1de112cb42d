using System.Collections.Concurrent;
using System.Globalization;
using Ingestion.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using static Ingestion.Tests.Fetching.FetcherHarness;

namespace Ingestion.Tests.Fetching;

public sealed class HttpFetcherResilienceTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Retry_After_in_seconds_is_waited_out_on_the_clock_then_the_request_succeeds()
    {
        await using var harness = new FetcherHarness();
        var arrivals = new ConcurrentQueue<DateTimeOffset>();
        await using var server = await TestHttpServer.StartAsync(app => app.MapGet("/items", context =>
        {
            arrivals.Enqueue(harness.Time.GetUtcNow());
            return arrivals.Count == 1
                ? TestHttp.WriteJsonAsync(context, "{}", 429, ("Retry-After", "5"))
                : TestHttp.WriteJsonAsync(context, Page(1, 2));
        }));

        var page = Assert.Single(await harness.FetchAllAsync(Source(server.BaseAddress, Stream()), Stream(), cancellationToken: Token));

        Assert.Equal(FetchStatus.Success, page.Outcome.Status);
        Assert.Equal(2, page.Outcome.Attempts);
        Assert.Equal(2, server.RequestCount);
        Assert.Equal(2, page.Records.Count);
        var times = arrivals.ToArray();
        Assert.True(times[1] - times[0] >= TimeSpan.FromSeconds(5), $"second attempt came {times[1] - times[0]} after the first");
        Assert.Contains(page.Outcome.Notes, n => n.StartsWith("attempt 1: 429", StringComparison.Ordinal));
        Assert.Contains("succeeded on retry 1", page.Outcome.Notes);
    }

    [Fact]
    public async Task Retry_After_as_an_http_date_is_honoured()
    {
        await using var harness = new FetcherHarness();
        var arrivals = new ConcurrentQueue<DateTimeOffset>();
        await using var server = await TestHttpServer.StartAsync(app => app.MapGet("/items", context =>
        {
            var now = harness.Time.GetUtcNow();
            arrivals.Enqueue(now);
            return arrivals.Count == 1
                ? TestHttp.WriteJsonAsync(context, "{}", 429, ("Retry-After", (now + TimeSpan.FromSeconds(7)).ToString("R", CultureInfo.InvariantCulture)))
                : TestHttp.WriteJsonAsync(context, Page(1, 1));
        }));

        var page = Assert.Single(await harness.FetchAllAsync(Source(server.BaseAddress, Stream()), Stream(), cancellationToken: Token));

        Assert.True(page.Outcome.IsSuccess);
        var times = arrivals.ToArray();
        Assert.True(times[1] - times[0] >= TimeSpan.FromSeconds(7), $"second attempt came {times[1] - times[0]} after the first");
    }

    [Theory]
    [InlineData("epoch-seconds")]
    [InlineData("epoch-milliseconds")]
    [InlineData("delta-seconds")]
    public async Task X_RateLimit_Reset_is_read_as_epoch_seconds_epoch_milliseconds_or_a_small_delta(string form)
    {
        await using var harness = new FetcherHarness();
        var arrivals = new ConcurrentQueue<DateTimeOffset>();
        await using var server = await TestHttpServer.StartAsync(app => app.MapGet("/items", context =>
        {
            var now = harness.Time.GetUtcNow();
            arrivals.Enqueue(now);
            var reset = now + TimeSpan.FromSeconds(6);
            var value = form switch
            {
                "epoch-seconds" => reset.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
                "epoch-milliseconds" => reset.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
                _ => "6",
            };
            return arrivals.Count == 1
                ? TestHttp.WriteJsonAsync(context, "{}", 429, ("X-RateLimit-Reset", value), ("X-RateLimit-Remaining", "0"))
                : TestHttp.WriteJsonAsync(context, Page(1, 1));
        }));

        var page = Assert.Single(await harness.FetchAllAsync(Source(server.BaseAddress, Stream()), Stream(), cancellationToken: Token));

        Assert.True(page.Outcome.IsSuccess, page.Outcome.Error);
        var times = arrivals.ToArray();
        Assert.Equal(2, times.Length);
        Assert.True(times[1] - times[0] >= TimeSpan.FromSeconds(6), $"second attempt came {times[1] - times[0]} after the first");
        Assert.True(times[1] - times[0] < TimeSpan.FromMinutes(1), "an epoch value must not be read as a delta");
    }

    [Fact]
    public async Task A_Retry_After_longer_than_allowed_ends_as_rate_limited_without_waiting()
    {
        await using var harness = new FetcherHarness();
        await using var server = await TestHttpServer.StartAsync(app => app.MapGet("/items", context => TestHttp.WriteJsonAsync(context, "{}", 429, ("Retry-After", "3600"))));
        var start = harness.Time.GetUtcNow();

        var page = Assert.Single(await harness.FetchAllAsync(Source(server.BaseAddress, Stream()), Stream(), cancellationToken: Token));

        Assert.Equal(FetchStatus.RateLimited, page.Outcome.Status);
        Assert.Equal(429, page.Outcome.HttpStatusCode);
        Assert.Equal(1, server.RequestCount);
        Assert.Equal(start, harness.Time.GetUtcNow());
        Assert.Contains("MaxRetryAfter", page.Outcome.Error, StringComparison.Ordinal);
        Assert.Equal(PageStopReason.Failed, page.Page.StopReason);
        Assert.Contains(page.Page.Issues, i => i.Kind == IssueKind.RateLimited);
    }

    [Fact]
    public async Task Server_errors_are_retried_with_backoff_until_success_and_noted()
    {
        await using var harness = new FetcherHarness();
        var count = 0;
        await using var server = await TestHttpServer.StartAsync(app => app.MapGet("/items", context => Interlocked.Increment(ref count) switch
        {
            1 => TestHttp.WriteJsonAsync(context, "{}", 503),
            2 => TestHttp.WriteJsonAsync(context, "{}", 500),
            _ => TestHttp.WriteJsonAsync(context, Page(1, 3)),
        }));

        var page = Assert.Single(await harness.FetchAllAsync(Source(server.BaseAddress, Stream()), Stream(), cancellationToken: Token));

        Assert.True(page.Outcome.IsSuccess);
        Assert.Equal(3, page.Outcome.Attempts);
        Assert.Equal(3, page.Page.RequestCount);
        Assert.Equal(["attempt 1: 503 Service Unavailable", "attempt 2: 500 Internal Server Error", "succeeded on retry 2"], page.Outcome.Notes);
        Assert.True(page.Outcome.Elapsed > TimeSpan.Zero, "backoff waits count towards the elapsed time on the clock");
    }

    [Fact]
    public async Task Server_errors_that_outlast_the_retries_end_as_transient()
    {
        await using var harness = new FetcherHarness();
        await using var server = await TestHttpServer.StartAsync(app => app.MapGet("/items", context => TestHttp.WriteJsonAsync(context, "{}", 502)));

        var page = Assert.Single(await harness.FetchAllAsync(Source(server.BaseAddress, Stream(), resilience: FastRetries(maxRetries: 2)), Stream(), cancellationToken: Token));

        Assert.Equal(FetchStatus.Transient, page.Outcome.Status);
        Assert.Equal(3, page.Outcome.Attempts);
        Assert.Equal(3, server.RequestCount);
        Assert.Equal(502, page.Outcome.HttpStatusCode);
        Assert.True(page.Outcome.IsRetryable);
        Assert.Empty(page.Records);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_attempt_that_times_out_is_retried_when_the_clock_passes_the_attempt_timeout(bool resilienceTelemetry)
    {
        await using var harness = new FetcherHarness(builder =>
        {
            if (resilienceTelemetry)
            {
                builder.AddResilienceTelemetry();
            }
        });
        var hanging = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var count = 0;
        await using var server = await TestHttpServer.StartAsync(app => app.MapGet("/items", async context =>
        {
            if (Interlocked.Increment(ref count) == 1)
            {
                hanging.TrySetResult();
                await never.Task.WaitAsync(context.RequestAborted);
                return;
            }

            await TestHttp.WriteJsonAsync(context, Page(1, 1));
        }));
        var source = Source(server.BaseAddress, Stream());

        var fetch = harness.CollectAsync(source, Stream(), cancellationToken: Token);
        await hanging.Task.WaitAsync(Token);
        harness.Time.Advance(source.Resilience.AttemptTimeout);
        var page = Assert.Single(await harness.Time.DriveAsync(fetch, due => due != source.Resilience.AttemptTimeout));

        Assert.True(page.Outcome.IsSuccess, page.Outcome.Error);
        Assert.Equal(2, page.Outcome.Attempts);
        Assert.Contains("attempt 1: timed out after 15 s", page.Outcome.Notes);

        // The fetcher's own warning says it either way.
        var failed = Assert.Single(harness.Logs.Lines, line => line.StartsWith("Warning Ingestion.Fetching: Attempt 1 of GET", StringComparison.Ordinal));
        Assert.Contains("timed out after 15 s", failed, StringComparison.Ordinal);
        if (!resilienceTelemetry)
        {
            // Polly's telemetry is off unless the host asks for it: not one of its log events.
            Assert.DoesNotContain(harness.Logs.Lines, line => line.Contains(" Polly:", StringComparison.Ordinal));
            return;
        }

        // Reported as Polly's timeout strategy reports one: an OnTimeout resilience event of the pipeline's attempt strategy.
        var timeout = Assert.Single(harness.Logs.Lines, line => line.Contains("OnTimeout", StringComparison.Ordinal));
        Assert.StartsWith("Error Polly:", timeout, StringComparison.Ordinal);
        Assert.Contains("/Attempt'", timeout, StringComparison.Ordinal);
        Assert.Contains(harness.Logs.Lines, line => line.Contains("Polly:", StringComparison.Ordinal) && line.Contains("Execution attempt", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_connection_reset_is_retried()
    {
        await using var harness = new FetcherHarness();
        var count = 0;
        await using var server = await TestHttpServer.StartAsync(app => app.MapGet("/items", context =>
        {
            if (Interlocked.Increment(ref count) == 1)
            {
                context.Abort();
                return Task.CompletedTask;
            }

            return TestHttp.WriteJsonAsync(context, Page(1, 2));
        }));

        var page = Assert.Single(await harness.FetchAllAsync(Source(server.BaseAddress, Stream()), Stream(), cancellationToken: Token));

        Assert.True(page.Outcome.IsSuccess, page.Outcome.Error);
        Assert.Equal(2, server.RequestCount);
        Assert.StartsWith("attempt 1: HttpRequestException", page.Outcome.Notes[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(403, FetchStatus.Forbidden)]
    [InlineData(404, FetchStatus.NotFound)]
    [InlineData(400, FetchStatus.ClientError)]
    public async Task Client_errors_are_not_retried(int status, FetchStatus expected)
    {
        await using var harness = new FetcherHarness();
        await using var server = await TestHttpServer.StartAsync(app => app.MapGet("/items", context => TestHttp.WriteJsonAsync(context, "{}", status)));

        var page = Assert.Single(await harness.FetchAllAsync(Source(server.BaseAddress, Stream()), Stream(), cancellationToken: Token));

        Assert.Equal(expected, page.Outcome.Status);
        Assert.Equal(status, page.Outcome.HttpStatusCode);
        Assert.Equal(1, server.RequestCount);
        Assert.False(page.Outcome.IsRetryable);
        Assert.Equal(PageStopReason.Failed, page.Page.StopReason);
    }

    [Fact]
    public async Task A_POST_is_not_retried_unless_the_stream_allows_it()
    {
        await using var harness = new FetcherHarness();
        var count = 0;
        await using var server = await TestHttpServer.StartAsync(app => app.MapPost("/items", context =>
            Interlocked.Increment(ref count) <= 2 ? TestHttp.WriteJsonAsync(context, "{}", 503) : TestHttp.WriteJsonAsync(context, Page(1, 1))));

        var plain = Stream(method: HttpMethod.Post);
        var refused = Assert.Single(await harness.FetchAllAsync(Source(server.BaseAddress, plain), plain, cancellationToken: Token));
        Assert.Equal(FetchStatus.Transient, refused.Outcome.Status);
        Assert.Equal(1, server.RequestCount);

        var allowed = Stream(method: HttpMethod.Post, retryNonIdempotent: true);
        var retried = Assert.Single(await harness.FetchAllAsync(Source(server.BaseAddress, allowed), allowed, cancellationToken: Token));
        Assert.True(retried.Outcome.IsSuccess);
        Assert.Equal(3, server.RequestCount);
    }

    [Fact]
    public async Task Malformed_json_that_outlasts_the_retries_ends_the_page_as_malformed_body_with_an_issue()
    {
        await using var harness = new FetcherHarness();
        await using var server = await TestHttpServer.StartAsync(app => app.MapGet("/items", context => TestHttp.WriteJsonAsync(context, "{\"data\":[{\"id\":\"1\"},")));

        var page = Assert.Single(await harness.FetchAllAsync(Source(server.BaseAddress, Stream(), resilience: FastRetries(maxRetries: 2)), Stream(), cancellationToken: Token));

        Assert.Equal(FetchStatus.MalformedBody, page.Outcome.Status);
        Assert.Equal(200, page.Outcome.HttpStatusCode);
        Assert.Equal(3, server.RequestCount);
        Assert.Equal(3, page.Outcome.Attempts);
        Assert.DoesNotContain(page.Outcome.Notes, n => n.StartsWith("succeeded", StringComparison.Ordinal));
        Assert.Empty(page.Records);
        Assert.Equal(PageStopReason.Failed, page.Page.StopReason);
        Assert.Contains(page.Page.Issues, i => i.Kind == IssueKind.MalformedBody);
        Assert.Contains("invalid JSON", page.Outcome.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_200_body_cut_off_on_the_first_attempt_is_retried_and_the_page_succeeds()
    {
        await using var harness = new FetcherHarness();
        var count = 0;
        await using var server = await TestHttpServer.StartAsync(app => app.MapGet("/items", context => Interlocked.Increment(ref count) == 1
            ? TestHttp.WriteJsonAsync(context, "{\"data\":[{\"id\":\"1\"},{\"id\":")
            : TestHttp.WriteJsonAsync(context, Page(1, 2))));

        var page = Assert.Single(await harness.FetchAllAsync(Source(server.BaseAddress, Stream()), Stream(), cancellationToken: Token));

        Assert.True(page.Outcome.IsSuccess, page.Outcome.Error);
        Assert.Equal(2, server.RequestCount);
        Assert.Equal(2, page.Records.Count);
        Assert.StartsWith("attempt 1: 200 OK with a body that could not be read", page.Outcome.Notes[0], StringComparison.Ordinal);
        Assert.Contains(page.Page.Issues, i => i.Kind == IssueKind.RetrySucceeded);
    }

    [Fact]
    public async Task A_body_that_ends_before_its_declared_length_is_retried()
    {
        await using var harness = new FetcherHarness();
        var count = 0;
        await using var server = await TestHttpServer.StartAsync(app => app.MapGet("/items", async context =>
        {
            if (Interlocked.Increment(ref count) == 1)
            {
                var full = System.Text.Encoding.UTF8.GetBytes(Page(1, 2));
                context.Response.ContentType = "application/json";
                context.Response.ContentLength = full.Length;
                await context.Response.Body.WriteAsync(full.AsMemory(0, full.Length / 2));
                await context.Response.Body.FlushAsync();
                context.Abort();
                return;
            }

            await TestHttp.WriteJsonAsync(context, Page(1, 2));
        }));

        var page = Assert.Single(await harness.FetchAllAsync(Source(server.BaseAddress, Stream()), Stream(), cancellationToken: Token));

        Assert.True(page.Outcome.IsSuccess, page.Outcome.Error);
        Assert.Equal(2, server.RequestCount);
        Assert.Equal(2, page.Records.Count);
    }

    [Fact]
    public async Task An_empty_body_where_records_were_expected_is_an_empty_outcome()
    {
        await using var harness = new FetcherHarness();
        await using var server = await TestHttpServer.StartAsync(app => app.MapGet("/items", context => TestHttp.WriteJsonAsync(context, "  ")));

        var page = Assert.Single(await harness.FetchAllAsync(Source(server.BaseAddress, Stream()), Stream(), cancellationToken: Token));

        Assert.Equal(FetchStatus.Empty, page.Outcome.Status);
        Assert.Contains(page.Page.Issues, i => i.Kind == IssueKind.Empty);
    }

    [Fact]
    public async Task An_open_circuit_ends_requests_as_circuit_open_without_reaching_the_server()
    {
        await using var harness = new FetcherHarness();
        await using var server = await TestHttpServer.StartAsync(app => app.MapGet("/items", context => TestHttp.WriteJsonAsync(context, "{}", 500)));
        var resilience = new ResilienceSettings { MaxRetries = 0, CircuitBreakerMinimumThroughput = 2, CircuitBreakerFailureRatio = 0.5 };
        var source = Source(server.BaseAddress, Stream(), resilience: resilience);

        var statuses = new List<FetchStatus>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add(Assert.Single(await harness.FetchAllAsync(source, Stream(), cancellationToken: Token)).Outcome.Status);
        }

        Assert.Equal([FetchStatus.Transient, FetchStatus.Transient, FetchStatus.CircuitOpen, FetchStatus.CircuitOpen], statuses);
        Assert.Equal(2, server.RequestCount);
        var opened = Assert.Single(harness.Logs.Lines, line => line.Contains("The circuit breaker of source", StringComparison.Ordinal));
        Assert.StartsWith("Warning Ingestion.Fetching: The circuit breaker of source vendor opened: its requests fail as CircuitOpen for 15 s", opened, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_circuit_closes_when_a_request_succeeds_after_the_break_and_both_changes_are_logged()
    {
        await using var harness = new FetcherHarness();
        var count = 0;
        await using var server = await TestHttpServer.StartAsync(app => app.MapGet("/items", context =>
            Interlocked.Increment(ref count) <= 2 ? TestHttp.WriteJsonAsync(context, "{}", 500) : TestHttp.WriteJsonAsync(context, Page(1, 1))));
        var resilience = new ResilienceSettings { MaxRetries = 0, CircuitBreakerMinimumThroughput = 2, CircuitBreakerFailureRatio = 0.5 };
        var source = Source(server.BaseAddress, Stream(), resilience: resilience);

        for (var i = 0; i < 3; i++)
        {
            await harness.FetchAllAsync(source, Stream(), cancellationToken: Token);
        }

        harness.Time.Advance(resilience.CircuitBreakerBreakDuration);
        var page = Assert.Single(await harness.FetchAllAsync(source, Stream(), cancellationToken: Token));

        Assert.Equal(FetchStatus.Success, page.Outcome.Status);
        Assert.Equal(3, server.RequestCount);
        var changes = harness.Logs.Lines.Where(line => line.Contains("The circuit breaker of source vendor", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, changes.Count);
        Assert.Contains(" opened", changes[0], StringComparison.Ordinal);
        Assert.StartsWith("Information Ingestion.Fetching: The circuit breaker of source vendor closed", changes[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_source_has_its_own_pipeline_so_an_open_circuit_of_one_leaves_another_alone()
    {
        await using var harness = new FetcherHarness();
        await using var server = await TestHttpServer.StartAsync(app =>
        {
            app.MapGet("/failing/items", context => TestHttp.WriteJsonAsync(context, "{}", 500));
            app.MapGet("/healthy/items", context => TestHttp.WriteJsonAsync(context, Page(1, 1)));
        });
        var resilience = new ResilienceSettings { MaxRetries = 0, CircuitBreakerMinimumThroughput = 2, CircuitBreakerFailureRatio = 0.5 };
        var failing = Source(new Uri(server.BaseAddress, "failing/"), Stream(), resilience: resilience, name: "failing");
        var healthy = Source(new Uri(server.BaseAddress, "healthy/"), Stream(), resilience: resilience, name: "healthy");

        var statuses = new List<FetchStatus>();
        for (var i = 0; i < 3; i++)
        {
            statuses.Add(Assert.Single(await harness.FetchAllAsync(failing, Stream(), cancellationToken: Token)).Outcome.Status);
        }

        var other = Assert.Single(await harness.FetchAllAsync(healthy, Stream(), cancellationToken: Token));

        Assert.Equal([FetchStatus.Transient, FetchStatus.Transient, FetchStatus.CircuitOpen], statuses);
        Assert.Equal(FetchStatus.Success, other.Outcome.Status);
        Assert.Equal(3, server.RequestCount);
    }

    [Fact]
    public async Task A_total_timeout_ends_the_request_over_all_its_attempts_and_says_which_timeout()
    {
        await using var harness = new FetcherHarness();
        var hanging = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestHttpServer.StartAsync(app => app.MapGet("/items", async context =>
        {
            hanging.TrySetResult();
            await never.Task.WaitAsync(context.RequestAborted);
        }));
        var source = Source(server.BaseAddress, Stream(), resilience: new ResilienceSettings
        {
            BaseDelay = TimeSpan.FromMilliseconds(10),
            MaxDelay = TimeSpan.FromMilliseconds(100),
            AttemptTimeout = TimeSpan.FromMinutes(5),
            TotalTimeout = TimeSpan.FromMinutes(1),
        });

        // Attempt 1 hangs; the clock passes the total timeout (1 minute), not the longer attempt timeout.
        var fetch = harness.CollectAsync(source, Stream(), cancellationToken: Token);
        await hanging.Task.WaitAsync(Token);
        harness.Time.Advance(TimeSpan.FromMinutes(1));
        var page = Assert.Single(await harness.Time.DriveAsync(fetch, due => due != source.Resilience.AttemptTimeout));

        Assert.Equal(FetchStatus.Transient, page.Outcome.Status);
        Assert.Contains("total timeout of 60 s (ResilienceSettings.TotalTimeout)", page.Outcome.Error, StringComparison.Ordinal);
        Assert.Equal(1, page.Outcome.Attempts);
        Assert.Equal(1, server.RequestCount);
    }

    [Fact]
    public async Task Cancelling_between_pages_ends_with_a_cancelled_page_and_no_exception()
    {
        await using var harness = new FetcherHarness();
        await using var server = await TestHttpServer.StartAsync(app => app.MapGet("/items", context =>
        {
            var page = int.Parse(context.Request.Query["page"].FirstOrDefault() ?? "1", CultureInfo.InvariantCulture);
            return TestHttp.WriteJsonAsync(context, Page(page, 2));
        }));
        var stream = Stream(paginator: new PageParameterPaginator());
        var source = Source(server.BaseAddress, stream);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var pages = new List<FetchedPage>();
        var request = new FetchRequest { Source = source, Stream = stream, FirstRequest = new PageRequest(HttpMethod.Get, server.Url("items?page=1")) };

        await foreach (var page in harness.Fetcher.FetchAsync(request, cancellation.Token))
        {
            pages.Add(page);
            if (pages.Count == 2)
            {
                await cancellation.CancelAsync();
            }
        }

        Assert.Equal(3, pages.Count);
        Assert.Equal(FetchStatus.Cancelled, pages[2].Outcome.Status);
        Assert.Equal(PageStopReason.Cancelled, pages[2].StopReason);
        Assert.Equal("3", pages[2].Request.GetQueryParameter("page"));
        Assert.Equal(2, server.RequestCount);
    }
}
