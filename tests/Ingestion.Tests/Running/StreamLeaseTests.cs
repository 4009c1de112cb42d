using Ingestion.InMemory.Internal;

namespace Ingestion.Tests.Running;

/// <summary>One run at a time per stream: a second run is skipped and says who holds the stream; a dead holder's lease expires; a run that loses its lease stops writing.</summary>
public sealed class StreamLeaseTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static readonly SourceDefinition Source = new()
    {
        Name = "shop",
        BaseAddress = new Uri("https://shop.example/"),
        Streams = [new StreamDefinition { Name = "items", Path = "items" }],
    };

    private static readonly StreamId Items = new("shop", "items");

    [Fact]
    public async Task A_second_run_of_a_stream_that_is_running_is_skipped_and_names_the_run_that_holds_it()
    {
        var gate = new PageGate();
        var leases = new SignallingLeases();
        await using var harness = new RunnerHarness(Source, gate.Fetcher, leases: leases);

        var first = Task.Run(() => harness.Runner.SyncStreamAsync("shop", "items", null, Cancel), Cancel);
        await gate.FirstPageAsked.Task.WaitAsync(Cancel);
        var running = Assert.Single(await harness.RunLog.GetRunningAsync(Cancel));

        var second = Assert.Single(await harness.Runner.SyncStreamAsync("shop", "items", null, Cancel));
        gate.Release.SetResult();
        var firstReport = Assert.Single(await first);

        Assert.Equal(RunStatus.Skipped, second.Status);
        var issue = Assert.Single(second.Issues);
        Assert.Equal(IssueKind.AlreadyRunning, issue.Kind);
        Assert.Contains(running.RunId.ToString(), issue.Message, StringComparison.Ordinal);
        Assert.Null(await harness.RunLog.GetAsync(second.RunId, Cancel));
        Assert.Equal(RunStatus.Succeeded, firstReport.Status);
        Assert.Equal(1, gate.Requests);

        // The first run gave the stream back when it ended.
        var third = Assert.Single(await harness.Runner.SyncStreamAsync("shop", "items", null, Cancel));
        Assert.Equal(RunStatus.Succeeded, third.Status);
    }

    [Fact]
    public async Task A_lease_left_by_a_host_that_died_holds_the_stream_until_it_expires()
    {
        var gate = new PageGate();
        gate.Release.SetResult();
        var leases = new SignallingLeases();
        await using var harness = new RunnerHarness(Source, gate.Fetcher, leases: leases);
        var now = harness.Time.GetUtcNow();
        var dead = await leases.TryAcquireAsync(new StreamLease(Items, Guid.NewGuid(), "host-b/42", now, now + TimeSpan.FromMinutes(2)), Cancel);

        var whileHeld = Assert.Single(await harness.Runner.SyncStreamAsync("shop", "items", null, Cancel));
        harness.Time.Advance(TimeSpan.FromMinutes(2));
        var afterExpiry = Assert.Single(await harness.Runner.SyncStreamAsync("shop", "items", null, Cancel));

        Assert.Equal(RunStatus.Skipped, whileHeld.Status);
        Assert.Contains("host-b/42", whileHeld.Issues[0].Message, StringComparison.Ordinal);
        Assert.Contains(dead.RunId.ToString(), whileHeld.Issues[0].Message, StringComparison.Ordinal);
        Assert.Equal(RunStatus.Succeeded, afterExpiry.Status);
        Assert.Equal(1, gate.Requests);
    }

    [Fact]
    public async Task A_run_that_loses_its_lease_stops_writing_and_says_so()
    {
        var gate = new PageGate(pages: 2);
        var leases = new SignallingLeases();
        await using var harness = new RunnerHarness(Source, gate.Fetcher, options => options.RunHeartbeatInterval = TimeSpan.FromSeconds(30), leases);

        var run = Task.Run(() => harness.Runner.SyncStreamAsync("shop", "items", null, Cancel), Cancel);
        await gate.FirstPageAsked.Task.WaitAsync(Cancel);
        Assert.Single(await harness.RunLog.GetRunningAsync(Cancel));

        // The page took longer than the lease: another host took the stream, and the renewal before the write is refused.
        harness.Time.Advance(TimeSpan.FromMinutes(2));
        var now = harness.Time.GetUtcNow();
        await leases.TryAcquireAsync(new StreamLease(Items, Guid.NewGuid(), "host-c/7", now, now + TimeSpan.FromHours(1)), Cancel);
        gate.Release.SetResult();

        var report = Assert.Single(await run);
        Assert.Equal(IssueKind.LeaseLost, Assert.Single(report.Issues, issue => issue.Kind == IssueKind.LeaseLost).Kind);
        Assert.NotEqual(RunStatus.Succeeded, report.Status);
        Assert.Equal(0, harness.Stores.RecordVersionCount);
        Assert.True(leases.Refused.Task.IsCompleted);
    }

    [Fact]
    public async Task A_batch_the_store_refuses_because_another_run_took_the_stream_stops_the_run_with_LeaseLost()
    {
        var gate = new PageGate(pages: 2);
        gate.Release.SetResult();
        await using var harness = new RunnerHarness(Source, gate.Fetcher, leases: new SignallingLeases());
        harness.Stores.StreamTakenByAnotherRun = true;

        var report = Assert.Single(await harness.Runner.SyncStreamAsync("shop", "items", null, Cancel));

        Assert.Equal(IssueKind.LeaseLost, Assert.Single(report.Issues, issue => issue.Kind == IssueKind.LeaseLost).Kind);
        Assert.NotEqual(RunStatus.Succeeded, report.Status);
        Assert.Equal(0, harness.Stores.RecordVersionCount);
        Assert.Null(await harness.States.GetAsync(Items, Cancel));
    }

    /// <summary>A fetcher whose first page waits for <see cref="Release"/>; it counts the first-page requests.</summary>
    private sealed class PageGate
    {
        private int _requests;

        public PageGate(int pages = 1)
        {
            Fetcher = new ScriptedFetcher(async (_, request, token) =>
            {
                var page = request.Uri.Query.Contains("page=2", StringComparison.Ordinal) ? 2 : 1;
                if (page == 1)
                {
                    Interlocked.Increment(ref _requests);
                    FirstPageAsked.TrySetResult();
                    await Release.Task.WaitAsync(token);
                }

                var next = page < pages ? request.WithQueryParameter("page", "2") : null;
                return new ScriptedPage([($"i-{page}", $$"""{"id":"i-{{page}}"}""")], next);
            });
        }

        public ScriptedFetcher Fetcher { get; }

        public TaskCompletionSource FirstPageAsked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Requests => Volatile.Read(ref _requests);
    }

    /// <summary>In-memory leases that signal when a renewal is refused.</summary>
    private sealed class SignallingLeases : IStreamLeases
    {
        private readonly InMemoryStreamLeases _inner = new();

        public TaskCompletionSource Refused { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ValueTask<StreamLease> TryAcquireAsync(StreamLease request, CancellationToken cancellationToken) => _inner.TryAcquireAsync(request, cancellationToken);

        public async ValueTask<bool> RenewAsync(StreamId stream, Guid runId, DateTimeOffset expiresAt, CancellationToken cancellationToken)
        {
            var renewed = await _inner.RenewAsync(stream, runId, expiresAt, cancellationToken);
            if (!renewed)
            {
                Refused.TrySetResult();
            }

            return renewed;
        }

        public ValueTask ReleaseAsync(StreamId stream, Guid runId, CancellationToken cancellationToken) => _inner.ReleaseAsync(stream, runId, cancellationToken);
    }
}
