using System.Collections.Concurrent;
using System.Threading.Channels;
using Ingestion.InMemory.Internal;
using Ingestion.Tests.Support;
using Ingestion.Workers.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Ingestion.Tests.Workers;

public sealed class QueueWorkerTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>A handler whose behaviour the test scripts, and which reports every call.</summary>
    private sealed class ScriptedHandler(string jobType, Func<ClaimedJob, CancellationToken, Task<string?>> run) : IJobHandler
    {
        public string JobType => jobType;

        public ConcurrentQueue<ClaimedJob> Calls { get; } = new();

        public Channel<ClaimedJob> Started { get; } = Channel.CreateUnbounded<ClaimedJob>();

        public async ValueTask<string?> HandleAsync(ClaimedJob job, CancellationToken cancellationToken)
        {
            Calls.Enqueue(job);
            Started.Writer.TryWrite(job);
            return await run(job, cancellationToken);
        }
    }

    private sealed record Harness(ServiceProvider Provider, QueueWorker Worker, ObservedJobQueue Queue, SignallingTimeProvider Time) : IAsyncDisposable
    {
        public async Task<JobInfo> JobAsync(long id) => (await Queue.GetAsync(id, Cancel))!;

        /// <summary>Waits for the job's status; every step the worker takes here is driven by a claim or a queue signal, not the clock.</summary>
        public Task<JobInfo> WaitForStatusAsync(long id, JobStatus status) => Queue.WhenStatusAsync(id, status).WaitAsync(Cancel);

        public async ValueTask DisposeAsync() => await Provider.DisposeAsync();
    }

    private static Harness Create(IEnumerable<IJobHandler> handlers, Action<WorkerOptions>? configure = null, CapturingLoggerProvider? logs = null)
    {
        var time = new SignallingTimeProvider();
        var services = new ServiceCollection();
        if (logs is not null)
        {
            services.AddLogging(logging => logging.AddProvider(logs));
        }

        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton(provider => new ObservedJobQueue(provider.GetRequiredService<InMemoryStores>().Queue));
        services.AddSingleton<IJobQueue>(provider => provider.GetRequiredService<ObservedJobQueue>());
        foreach (var handler in handlers)
        {
            services.AddSingleton(handler);
        }

        services.AddIngestion(ingestion => ingestion
            .UseInMemoryStores(options => options.JobBackoff = _ => TimeSpan.Zero)
            .AddWorker(options =>
            {
                options.DefaultConcurrency = 1;
                options.WorkerId = "test-worker";
                options.PollInterval = TimeSpan.FromSeconds(5);
                configure?.Invoke(options);
            }));
        var provider = services.BuildServiceProvider();
        Assert.NotNull(provider.GetRequiredService<IOptions<WorkerOptions>>().Value);
        return new Harness(provider, provider.GetServices<IHostedService>().OfType<QueueWorker>().Single(), provider.GetRequiredService<ObservedJobQueue>(), time);
    }

    [Fact]
    public async Task Shutdown_waits_for_a_running_job_that_finishes_in_time_and_claims_nothing_new()
    {
        var gate = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new ScriptedHandler("work", (_, _) => gate.Task);
        await using var h = Create([handler]);
        var first = (await h.Queue.EnqueueAsync(new JobRequest { JobType = "work" }, Cancel)).JobId;

        await h.Worker.StartAsync(Cancel);
        await handler.Started.Reader.ReadAsync(Cancel);
        var stopping = h.Worker.StopAsync(Cancel);
        var second = (await h.Queue.EnqueueAsync(new JobRequest { JobType = "work" }, Cancel)).JobId;
        gate.SetResult("""{"done":true}""");
        await stopping;

        var done = await h.JobAsync(first);
        Assert.Equal(JobStatus.Completed, done.Status);
        Assert.Equal("""{"done":true}""", done.Result);
        Assert.Equal(JobStatus.Pending, (await h.JobAsync(second)).Status);
        Assert.Single(handler.Calls);
    }

    [Fact]
    public async Task A_slot_completes_its_job_and_claims_its_next_in_one_call_and_gives_the_slot_back_when_none_is_left()
    {
        var handler = new ScriptedHandler("work", (job, _) => Task.FromResult<string?>($$"""{"job":{{job.Id}}}"""));
        await using var h = Create([handler]);
        var ids = (await h.Queue.EnqueueManyAsync([.. Enumerable.Range(0, 3).Select(_ => new JobRequest { JobType = "work" })], Cancel)).Select(result => result.JobId).ToList();

        await h.Worker.StartAsync(Cancel);
        await h.Queue.WhenAsync(() => Task.FromResult(Volatile.Read(ref h.Queue.CompletedAndClaimed) == 3 ? "three" : null)).WaitAsync(Cancel);

        // Concurrency 1: the loop claims the first job; each completion brings the next, the last one none.
        Assert.Equal(ids, handler.Calls.Select(job => job.Id));
        foreach (var id in ids)
        {
            var job = await h.JobAsync(id);
            Assert.Equal((JobStatus.Completed, $$"""{"job":{{id}}}"""), (job.Status, job.Result));
        }

        // The slot is free again: a new job is claimed by the loop when it is enqueued.
        var later = (await h.Queue.EnqueueAsync(new JobRequest { JobType = "work" }, Cancel)).JobId;
        await h.WaitForStatusAsync(later, JobStatus.Completed);
        await h.Worker.StopAsync(Cancel);
        Assert.Equal(4, handler.Calls.Count);
    }

    [Fact]
    public async Task Shutdown_past_the_host_timeout_cancels_running_jobs_and_releases_their_leases()
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new ScriptedHandler("work", async (_, token) =>
        {
            await using var registration = token.Register(() => cancelled.TrySetResult());
            await Task.Delay(Timeout.Infinite, token);
            return null;
        });
        await using var h = Create([handler], options => options.DefaultConcurrency = 2);
        var ids = (await h.Queue.EnqueueManyAsync([new JobRequest { JobType = "work" }, new JobRequest { JobType = "work" }], Cancel)).Select(r => r.JobId).ToList();

        await h.Worker.StartAsync(Cancel);
        await handler.Started.Reader.ReadAsync(Cancel);
        await handler.Started.Reader.ReadAsync(Cancel);
        using var hostTimeout = new CancellationTokenSource();
        await hostTimeout.CancelAsync(); // the host's shutdown timeout has run out
        await h.Worker.StopAsync(hostTimeout.Token);

        await cancelled.Task;
        Assert.Equal(0, h.Worker.RunningCount);
        foreach (var id in ids)
        {
            var job = await h.JobAsync(id);
            Assert.Equal(JobStatus.Pending, job.Status); // runnable again at once, for another host
            Assert.Equal(0, job.Attempts); // the interrupted attempt does not count
        }

        var retaken = await h.Queue.ClaimAsync(new ClaimRequest { WorkerId = "other-host", MaxJobs = 5 }, Cancel);
        Assert.Equal(ids.Order(), retaken.Select(job => job.Id).Order());
    }

    [Fact]
    public async Task A_job_of_an_unknown_type_is_dead_lettered_with_an_error_naming_the_type()
    {
        var handler = new ScriptedHandler("work", (_, _) => Task.FromResult<string?>(null));
        await using var h = Create([handler]);
        var unknown = (await h.Queue.EnqueueAsync(new JobRequest { JobType = "reports.monthly", MaxAttempts = 5 }, Cancel)).JobId;
        var known = (await h.Queue.EnqueueAsync(new JobRequest { JobType = "work" }, Cancel)).JobId;

        await h.Worker.StartAsync(Cancel);
        await handler.Started.Reader.ReadAsync(Cancel);
        var dead = await h.WaitForStatusAsync(unknown, JobStatus.Dead);
        await h.WaitForStatusAsync(known, JobStatus.Completed);
        await h.Worker.StopAsync(Cancel);

        Assert.Equal(1, dead.Attempts);
        Assert.Contains("'reports.monthly'", dead.LastError, StringComparison.Ordinal);
        Assert.Contains("No handler", dead.LastError, StringComparison.Ordinal);
        Assert.Contains(IngestionJobTypes.Sync, dead.LastError, StringComparison.Ordinal); // lists what is registered
    }

    [Fact]
    public async Task A_crashing_handler_goes_dead_after_its_max_attempts_and_a_permanent_failure_at_once()
    {
        var handler = new ScriptedHandler("work", (job, _) => job.Payload.Contains("permanent", StringComparison.Ordinal)
            ? throw new PermanentJobFailureException("The payload names a deleted account.")
            : throw new InvalidOperationException("boom"));
        await using var h = Create([handler]);
        var crashing = (await h.Queue.EnqueueAsync(new JobRequest { JobType = "work", MaxAttempts = 3 }, Cancel)).JobId;
        var permanent = (await h.Queue.EnqueueAsync(new JobRequest { JobType = "work", Payload = """{"permanent":true}""", MaxAttempts = 3 }, Cancel)).JobId;

        await h.Worker.StartAsync(Cancel);
        var crashed = await h.WaitForStatusAsync(crashing, JobStatus.Dead);
        var refused = await h.WaitForStatusAsync(permanent, JobStatus.Dead);
        await h.Worker.StopAsync(Cancel);

        Assert.Equal(3, crashed.Attempts);
        Assert.Contains("InvalidOperationException: boom", crashed.LastError, StringComparison.Ordinal);
        Assert.Contains("at ", crashed.LastErrorDetails, StringComparison.Ordinal);
        Assert.Equal(1, refused.Attempts);
        Assert.Contains("deleted account", refused.LastError, StringComparison.Ordinal);
        Assert.Equal(4, handler.Calls.Count); // three attempts, then one for the permanent failure
    }

    [Fact]
    public async Task Heartbeats_keep_a_long_job_leased_and_a_lost_lease_cancels_the_handler()
    {
        var cancelled = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new ScriptedHandler("work", async (_, token) =>
        {
            await using var registration = token.Register(() => cancelled.TrySetResult("cancelled"));
            await Task.Delay(Timeout.Infinite, token);
            return null;
        });
        await using var h = Create([handler], options =>
        {
            options.LeaseDuration = TimeSpan.FromMinutes(2);
            options.HeartbeatInterval = TimeSpan.FromMinutes(1);
            options.RescueInterval = TimeSpan.FromHours(1);
        });
        var id = (await h.Queue.EnqueueAsync(new JobRequest { JobType = "work" }, Cancel)).JobId;
        await h.Worker.StartAsync(Cancel);
        await handler.Started.Reader.ReadAsync(Cancel);

        // Ten minutes of heartbeats: without them the two-minute lease would have expired long ago.
        var oneMinute = TimeSpan.FromMinutes(1);
        await h.Time.DriveAsync(h.Queue.WhenAsync(() => Task.FromResult(Volatile.Read(ref h.Queue.Heartbeats) >= 10 ? "ok" : null)), due => due == oneMinute);
        Assert.Equal(0, await h.Queue.RescueExpiredLeasesAsync(Cancel));
        Assert.Equal(JobStatus.Running, (await h.JobAsync(id)).Status);

        // The job is taken away (an operator cancels it): the next heartbeat is refused and the handler is cancelled.
        Assert.True(await h.Queue.CancelAsync(id, Cancel));
        await h.Time.DriveAsync(cancelled.Task, due => due == oneMinute);
        await h.Worker.StopAsync(Cancel);

        Assert.Equal(1, h.Queue.RefusedHeartbeats);
        Assert.Equal(JobStatus.Cancelled, (await h.JobAsync(id)).Status);
        Assert.Single(handler.Calls);
    }

    [Fact]
    public async Task A_completion_refused_because_the_lease_moved_to_another_worker_is_a_warning_naming_both_workers()
    {
        var finish = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new ScriptedHandler("work", (_, _) => finish.Task);
        var logs = new CapturingLoggerProvider();
        await using var h = Create([handler], logs: logs);
        var id = (await h.Queue.EnqueueAsync(new JobRequest { JobType = "work" }, Cancel)).JobId;
        await h.Worker.StartAsync(Cancel);
        var claimed = await handler.Started.Reader.ReadAsync(Cancel);

        // The lease passes to another worker while the handler still runs (as after an expiry and a rescue).
        Assert.True(await h.Queue.ReleaseAsync(id, claimed.LeaseToken, Cancel));
        var stolen = Assert.Single(await h.Queue.ClaimAsync(new ClaimRequest { WorkerId = "other-worker", MaxJobs = 1, JobTypes = ["work"], LeaseDuration = TimeSpan.FromMinutes(5) }, Cancel));
        Assert.Equal(id, stolen.Id);
        finish.SetResult("done");

        // Shutdown waits for the running job, so its completion (and the warning) has happened when it returns.
        await h.Worker.StopAsync(Cancel);

        var warning = Assert.Single(logs.Lines, line => line.Contains("refused the completion", StringComparison.Ordinal));
        Assert.StartsWith("Warning", warning, StringComparison.Ordinal);
        Assert.Contains($"Job {id} (work)", warning, StringComparison.Ordinal);
        Assert.Contains("worker test-worker", warning, StringComparison.Ordinal);
        Assert.Contains("Running with other-worker", warning, StringComparison.Ordinal);
        Assert.Equal("other-worker", (await h.JobAsync(id)).LockedBy);
    }
}
