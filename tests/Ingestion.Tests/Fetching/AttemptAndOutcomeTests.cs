using Ingestion.Fetching.Internal;
using Ingestion.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using static Ingestion.Tests.Fetching.FetcherHarness;

namespace Ingestion.Tests.Fetching;

/// <summary>
/// The attempt timeout, kept by the attempt handler: around the body read, reported as Polly's timeout strategy reports it, apart
/// from the caller's cancellation; and the fetcher's classification of what came back, a source's error interpreter included.
/// </summary>
public sealed class AttemptAndOutcomeTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_body_that_stalls_after_its_headers_times_out_and_the_attempt_is_retried()
    {
        await using var harness = new FetcherHarness();
        var stalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
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
                stalled.TrySetResult();
                await never.Task.WaitAsync(context.RequestAborted);
                return;
            }

            await TestHttp.WriteJsonAsync(context, Page(1, 2));
        }));
        var source = Source(server.BaseAddress, Stream());

        var fetch = harness.CollectAsync(source, Stream(), cancellationToken: Token);
        await stalled.Task.WaitAsync(Token);
        harness.Time.Advance(source.Resilience.AttemptTimeout);
        var page = Assert.Single(await harness.Time.DriveAsync(fetch, due => due != source.Resilience.AttemptTimeout));

        Assert.True(page.Outcome.IsSuccess, page.Outcome.Error);
        Assert.Equal(2, page.Outcome.Attempts);
        Assert.Equal(2, page.Records.Count);
        Assert.Contains("attempt 1: timed out after 15 s", page.Outcome.Notes);
    }

    [Fact]
    public async Task Cancelling_during_an_attempt_ends_the_page_as_cancelled_not_as_a_timeout()
    {
        await using var harness = new FetcherHarness();
        var hanging = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestHttpServer.StartAsync(app => app.MapGet("/items", async context =>
        {
            hanging.TrySetResult();
            await never.Task.WaitAsync(context.RequestAborted);
        }));
        var source = Source(server.BaseAddress, Stream());
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Token);

        var fetch = harness.CollectAsync(source, Stream(), cancellationToken: cancellation.Token);
        await hanging.Task.WaitAsync(Token);
        await cancellation.CancelAsync();
        var page = Assert.Single(await fetch);

        Assert.Equal(FetchStatus.Cancelled, page.Outcome.Status);
        Assert.Equal(1, page.Outcome.Attempts);
        Assert.DoesNotContain(page.Outcome.Notes, note => note.Contains("timed out", StringComparison.Ordinal));
        Assert.DoesNotContain(harness.Logs.Lines, line => line.Contains("OnTimeout", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_client_error_is_reported_as_the_source_interprets_its_body()
    {
        await using var harness = new FetcherHarness();
        await using var server = await TestHttpServer.StartAsync(app => app.MapGet("/items", context =>
        {
            context.Response.StatusCode = 422;
            return context.Response.WriteAsync("{\"error\":\"window too wide\"}");
        }));
        ErrorResponse? seen = null;
        var source = new SourceDefinition
        {
            Name = "vendor",
            BaseAddress = server.BaseAddress,
            Resilience = FastRetries(),
            Streams = [Stream()],
            InterpretError = response =>
            {
                seen = response;
                return new ErrorInterpretation(IssueKind.Configuration, "the window is too wide for this API");
            },
        };

        var page = Assert.Single(await harness.FetchAllAsync(source, Stream(), cancellationToken: Token));

        Assert.Equal(FetchStatus.ClientError, page.Outcome.Status);
        Assert.Equal(IssueKind.Configuration, page.Outcome.IssueKind);
        Assert.StartsWith("the window is too wide for this API (422 ", page.Outcome.Error, StringComparison.Ordinal);
        Assert.Equal(422, seen!.StatusCode);
        Assert.Equal("{\"error\":\"window too wide\"}", System.Text.Encoding.UTF8.GetString(seen.Body.Span));
    }

    [Fact]
    public async Task A_client_error_the_source_does_not_interpret_keeps_the_standard_classification()
    {
        await using var harness = new FetcherHarness();
        await using var server = await TestHttpServer.StartAsync(app => app.MapGet("/items", context =>
        {
            context.Response.StatusCode = 422;
            return Task.CompletedTask;
        }));
        var interpreted = 0;
        var source = new SourceDefinition
        {
            Name = "vendor",
            BaseAddress = server.BaseAddress,
            Resilience = FastRetries(),
            Streams = [Stream()],
            InterpretError = _ =>
            {
                interpreted++;
                return null;
            },
        };

        var page = Assert.Single(await harness.FetchAllAsync(source, Stream(), cancellationToken: Token));

        Assert.Equal(FetchStatus.ClientError, page.Outcome.Status);
        Assert.Null(page.Outcome.IssueKind);
        Assert.StartsWith("422 ", page.Outcome.Error, StringComparison.Ordinal);
        Assert.Equal(1, interpreted);
    }

    [Fact]
    public void On_the_system_clock_an_attempt_timeout_that_did_not_fire_is_reused_by_the_next_attempt()
    {
        var state = State(TimeProvider.System);

        var first = state.RentAttemptTimeout();
        state.ReturnAttemptTimeout(first);
        var second = state.RentAttemptTimeout();

        Assert.Same(first, second);
        Assert.False(second.IsCancellationRequested);
        state.ReturnAttemptTimeout(second);
    }

    [Fact]
    public void An_attempt_timeout_that_fired_is_replaced_and_the_next_one_fires_a_whole_timeout_later()
    {
        var time = new FakeTimeProvider();
        var state = State(time);
        var timeout = state.Source.Resilience.AttemptTimeout;

        var first = state.RentAttemptTimeout();
        time.Advance(timeout);
        Assert.True(first.IsCancellationRequested);
        state.ReturnAttemptTimeout(first);

        var second = state.RentAttemptTimeout();
        Assert.NotSame(first, second);
        time.Advance(timeout - TimeSpan.FromMilliseconds(1));
        Assert.False(second.IsCancellationRequested);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(second.IsCancellationRequested);
        state.ReturnAttemptTimeout(second);
    }

    private static SourceHttpState State(TimeProvider time) => new(
        new SourceDefinition { Name = "vendor", BaseAddress = new Uri("https://api.example.com/"), Streams = [Stream()] },
        time,
        NullLogger.Instance,
        () => throw new InvalidOperationException("no authentication client"));
}
