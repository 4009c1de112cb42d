using Ingestion.Queue.Internal;
using Ingestion.Workers.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Ingestion.Tests.Workers;

public sealed class SyncJobHandlerTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private sealed class ScriptedRunner(FakeTimeProvider time) : ISyncRunner
    {
        public RunStatus Next { get; set; } = RunStatus.Succeeded;

        public IReadOnlyList<string> ChangedKeys { get; set; } = [];

        public List<(string Source, string? Stream)> Calls { get; } = [];

        public async Task<IReadOnlyList<SyncReport>> SyncStreamAsync(string source, string stream, SyncOptions? options, CancellationToken cancellationToken)
        {
            Calls.Add((source, stream));
            if (source == "missing")
            {
                throw new ArgumentException($"Source '{source}' is not registered.", nameof(source));
            }

            // As the runner does: keys go to the caller's handler batch by batch, when it gave one, and not into the report.
            if (options?.OnChangedKeys is { } onChangedKeys)
            {
                foreach (var batch in ChangedKeys.Chunk(100))
                {
                    await onChangedKeys(new StreamId(source, stream), batch, cancellationToken);
                }
            }

            IReadOnlyList<SyncReport> reports =
            [
                new SyncReport
                {
                    RunId = Guid.NewGuid(),
                    Stream = new StreamId(source, stream),
                    Status = Next,
                    StartedAt = time.GetUtcNow(),
                    CompletedAt = time.GetUtcNow(),
                    RecordsFetched = Next == RunStatus.Failed ? 0 : 7,
                    Issues = Next == RunStatus.Failed ? [new SyncIssue(IssueKind.Unauthorized, "401 Unauthorized")] : [],
                    ChangedKeys = options?.OnChangedKeys is null ? ChangedKeys : [],
                },
            ];
            return reports;
        }

        public Task<IReadOnlyList<SyncReport>> SyncSourceAsync(string source, SyncOptions? options, CancellationToken cancellationToken) =>
            SyncStreamAsync(source, "all", options, cancellationToken);
    }

    private static ClaimedJob Job(SyncJobPayload payload) => new()
    {
        Id = 1,
        JobType = IngestionJobTypes.Sync,
        Payload = payload.ToJson(),
        Attempt = 1,
        MaxAttempts = 3,
        LeaseToken = Guid.NewGuid(),
        LeaseExpiresAt = DateTimeOffset.MaxValue,
    };

    private sealed class CountingDeriver : IDeriver
    {
        public string Name => "timeline";

        public int Version => 1;

        public IReadOnlyList<StreamId> Inputs { get; } = [new StreamId("employes", "employees")];

        public string? GetInputKey(StreamId stream, string recordKey, ReadOnlyMemory<byte> payload) => recordKey;

        public ValueTask<IReadOnlyList<DerivedRecord>> DeriveAsync(string inputKey, DerivationContext context, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyList<DerivedRecord>>([]);
    }

    [Fact]
    public async Task A_queued_sync_queues_derive_jobs_for_every_changed_record()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero));
        var runner = new ScriptedRunner(time) { ChangedKeys = [.. Enumerable.Range(1, 150).Select(i => $"e{i}")] };
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton<ISyncRunner>(runner);
        services.AddIngestion(ingestion => ingestion
            .UseInMemoryStores()
            .AddDeriver(new CountingDeriver())
            .AddWorker());
        await using var provider = services.BuildServiceProvider();
        var handler = provider.GetServices<IJobHandler>().OfType<SyncJobHandler>().Single();

        await handler.HandleAsync(Job(new SyncJobPayload { Source = "employes", Stream = "employees", Trigger = "manual" }), Cancel);

        var stats = await provider.GetRequiredService<IJobQueue>().GetStatsAsync(Cancel);
        var derive = stats.Counts.Where(c => c.JobType == IngestionJobTypes.Derive).Sum(c => c.Count);
        Assert.Equal(2, derive); // 150 keys in batches of 100
    }

    [Fact]
    public async Task Scheduled_runs_report_their_outcome_and_repeated_failures_disable_the_schedule()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero));
        var runner = new ScriptedRunner(time);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton<ISyncRunner>(runner);
        services.AddIngestion(ingestion => ingestion
            .UseInMemoryStores()
            .AddScheduler(options => options.MaxConsecutiveFailures = 2)
            .Schedule("employes", "employees", "@hourly")
            .AddWorker());
        await using var provider = services.BuildServiceProvider();
        var handler = provider.GetServices<IJobHandler>().OfType<SyncJobHandler>().Single();
        var store = provider.GetRequiredService<IScheduleStore>();
        await store.UpsertAsync(new ScheduleDefinition { Name = "employes/employees", Source = "employes", Stream = "employees", Cron = "@hourly" }, null, Cancel);
        var payload = new SyncJobPayload { Source = "employes", Stream = "employees", Trigger = "schedule", Schedule = "employes/employees" };

        var result = await handler.HandleAsync(Job(payload), Cancel);
        Assert.Equal("""{"runs":1,"failed":0,"records":7}""", result);
        Assert.Equal((1L, 0, time.GetUtcNow()), ((await store.GetAsync("employes/employees", Cancel))!.TotalRuns, 0, time.GetUtcNow()));

        runner.Next = RunStatus.Failed;
        time.Advance(TimeSpan.FromHours(1));
        await handler.HandleAsync(Job(payload), Cancel);
        var once = await store.GetAsync("employes/employees", Cancel);
        Assert.True(once!.Enabled);
        Assert.Equal(1, once.ConsecutiveFailures);
        Assert.Contains("401 Unauthorized", once.LastError, StringComparison.Ordinal);

        await handler.HandleAsync(Job(payload), Cancel);
        var disabled = await store.GetAsync("employes/employees", Cancel);
        Assert.False(disabled!.Enabled);
        Assert.Equal(3, disabled.TotalRuns);
        Assert.Equal(new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero), disabled.LastSuccessfulRunAt);
        Assert.Contains("2 consecutive failed runs", disabled.DisabledReason, StringComparison.Ordinal);
        Assert.Contains("employes/employees: 401 Unauthorized", disabled.DisabledReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_source_or_a_bad_payload_fails_permanently()
    {
        var time = new FakeTimeProvider();
        var runner = new ScriptedRunner(time);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton<ISyncRunner>(runner);
        services.AddIngestion(ingestion => ingestion.UseInMemoryStores().AddWorker());
        await using var provider = services.BuildServiceProvider();
        var handler = provider.GetServices<IJobHandler>().OfType<SyncJobHandler>().Single();

        var missing = await Assert.ThrowsAsync<PermanentJobFailureException>(
            async () => await handler.HandleAsync(Job(new SyncJobPayload { Source = "missing", Stream = "x" }), Cancel));
        Assert.Contains("'missing'", missing.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<PermanentJobFailureException>(
            async () => await handler.HandleAsync(Job(new SyncJobPayload { Source = "a" }) with { Payload = "not json" }, Cancel));
        Assert.Equal([("missing", (string?)"x")], runner.Calls);
    }

    [Fact]
    public async Task A_stream_held_by_another_run_gets_one_follow_up_job_due_when_a_dead_holder_would_have_let_go()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 8, 0, 0, TimeSpan.Zero));
        var runner = new ScriptedRunner(time) { Next = RunStatus.Skipped };
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton<ISyncRunner>(runner);
        services.Configure<SyncRunnerOptions>(options => options.AbandonRunsAfter = TimeSpan.FromMinutes(3));
        services.AddIngestion(ingestion => ingestion.UseInMemoryStores().AddWorker());
        await using var provider = services.BuildServiceProvider();
        var handler = provider.GetServices<IJobHandler>().OfType<SyncJobHandler>().Single();
        var queue = provider.GetRequiredService<IJobQueue>();

        var result = await handler.HandleAsync(Job(new SyncJobPayload { Source = "employes", Stream = "employees", Trigger = "schedule" }), Cancel);
        await handler.HandleAsync(Job(new SyncJobPayload { Source = "employes", Stream = "employees", Trigger = "manual" }), Cancel);

        Assert.Equal("""{"runs":1,"failed":0,"skipped":1,"records":7}""", result);
        var followUp = Assert.Single(await queue.GetJobsAsync(JobStatus.Pending, 10, Cancel));
        var payload = SyncJobPayload.Parse(followUp.Payload);
        Assert.Equal(("employes", "employees", SyncJobHandler.AfterRunningTrigger), (payload.Source, payload.Stream, payload.Trigger));
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromMinutes(3), followUp.RunAt);

        // The follow-up finds the stream held again: a live run is doing the work, and no further job is queued.
        time.Advance(TimeSpan.FromMinutes(3));
        var claimed = Assert.Single(await queue.ClaimAsync(new ClaimRequest { WorkerId = "w" }, Cancel));
        await handler.HandleAsync(claimed, Cancel);
        await queue.CompleteAsync([new JobCompletion(claimed.Id, claimed.LeaseToken)], Cancel);
        Assert.Empty(await queue.GetJobsAsync(JobStatus.Pending, 10, Cancel));
    }
}
