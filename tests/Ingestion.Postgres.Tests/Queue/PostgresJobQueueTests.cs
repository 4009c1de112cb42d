using System.Collections.Concurrent;
using Ingestion.Postgres.Queue.Internal;
using Ingestion.Postgres.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Ingestion.Postgres.Tests.Queue;

public sealed class PostgresJobQueueTests(PostgresServerFixture server)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private async Task<(PostgresTestContext Db, PostgresJobQueue Queue, FakeTimeProvider Time)> CreateAsync(string schema, Action<PostgresStoreOptions>? configure = null)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero));
        var db = await PostgresTestContext.CreateAsync(await server.GetDatabaseAsync(nameof(PostgresJobQueueTests)), time, options =>
        {
            options.Schema = schema;
            configure?.Invoke(options);
        });
        return (db, new PostgresJobQueue(db.Context), time);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Four_workers_over_ten_thousand_jobs_complete_each_exactly_once(bool chained)
    {
        // Chained: each completion is sent with the next claim in one call, as the worker's slots do; a vacuum runs every
        // 1,000 claimed jobs meanwhile.
        var (db, queue, _) = await CreateAsync(chained ? "q_concurrency_chained" : "q_concurrency", options => options.Queue.VacuumAfterJobs = chained ? 1_000 : 0);
        var schema = chained ? "q_concurrency_chained" : "q_concurrency";
        await using var _db = db;
        await using var _queue = queue;
        const int total = 10_000;
        var enqueued = await queue.EnqueueManyAsync(
            Enumerable.Range(0, total).Select(index => new JobRequest { JobType = "work", Payload = $$"""{"n":{{index}}}""" }).ToList(), Cancel);
        Assert.Equal(total, enqueued.Select(result => result.JobId).Distinct().Count());

        var handled = new ConcurrentDictionary<long, int>();
        var completed = 0;
        var workers = Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            var claim = new ClaimRequest { WorkerId = $"w{worker}", MaxJobs = 1 + (worker * 25) };
            var jobs = await queue.ClaimAsync(claim, Cancel);
            while (jobs.Count > 0)
            {
                foreach (var job in jobs)
                {
                    handled.AddOrUpdate(job.Id, 1, (_, count) => count + 1);
                }

                var completions = jobs.Select(job => new JobCompletion(job.Id, job.LeaseToken)).ToList();
                if (chained)
                {
                    var (done, next) = await queue.CompleteAndClaimAsync(completions, claim, Cancel);
                    Interlocked.Add(ref completed, done);
                    jobs = next;
                }
                else
                {
                    Interlocked.Add(ref completed, await queue.CompleteAsync(completions, Cancel));
                    jobs = await queue.ClaimAsync(claim, Cancel);
                }
            }
        }, Cancel)).ToArray();
        await Task.WhenAll(workers);

        Assert.Equal(total, completed);
        Assert.Equal(total, handled.Count);
        Assert.All(handled.Values, count => Assert.Equal(1, count));
        Assert.Equal(enqueued.Select(result => result.JobId).Order(), handled.Keys.Order());
        Assert.Equal(0L, await db.ScalarAsync<long>($"SELECT count(*) FROM {schema}.jobs"));
        Assert.Equal((long)total, await db.ScalarAsync<long>($"SELECT count(*) FROM {schema}.job_history WHERE status = 'completed'"));
    }

    [Fact]
    public async Task Once_claims_have_left_enough_dead_entries_the_queue_vacuums_its_jobs_table_in_the_background()
    {
        var (db, queue, _) = await CreateAsync("q_vacuum", options => options.Queue.VacuumAfterJobs = 4);
        await using var _db = db;
        await using var _queue = queue;
        await queue.EnqueueManyAsync(Enumerable.Range(0, 25).Select(_ => new JobRequest { JobType = "work" }).ToList(), Cancel);
        const string vacuums = "SELECT vacuum_count FROM pg_stat_user_tables WHERE schemaname = 'q_vacuum' AND relname = 'jobs'";
        var before = await db.ScalarAsync<long>(vacuums);

        var first = await queue.ClaimAsync(new ClaimRequest { WorkerId = "w", MaxJobs = 9 }, Cancel);
        Assert.Equal(9, first.Count);
        Assert.True(queue.Vacuum.IsCompleted);
        Assert.Equal(before, await db.ScalarAsync<long>(vacuums));

        // Nine jobs in one claim walk past few dead entries (9 jobs x 1 claim < 4 squared); a second claim does (11 x 2): it
        // starts a vacuum, and does not wait for it.
        var (completed, next) = await queue.CompleteAndClaimAsync(first.Select(job => new JobCompletion(job.Id, job.LeaseToken)).ToList(), new ClaimRequest { WorkerId = "w", MaxJobs = 2 }, Cancel);
        Assert.Equal((9, 2), (completed, next.Count));
        await queue.Vacuum;
        Assert.Equal(before + 1, await db.ScalarAsync<long>(vacuums));
        Assert.Equal(14L, await db.ScalarAsync<long>("SELECT count(*) FROM q_vacuum.jobs WHERE status = 'pending'"));
    }

    [Fact]
    public async Task A_worker_that_dies_mid_job_is_rescued_and_its_late_completion_refused()
    {
        var (db, queue, time) = await CreateAsync("q_rescue");
        await using var _db = db;
        await using var _queue = queue;
        var id = (await queue.EnqueueAsync(new JobRequest { JobType = "sync" }, Cancel)).JobId;

        var dead = Assert.Single(await queue.ClaimAsync(new ClaimRequest { WorkerId = "dying", LeaseDuration = TimeSpan.FromMinutes(1) }, Cancel));
        Assert.Empty(await queue.ClaimAsync(new ClaimRequest { WorkerId = "other" }, Cancel));
        Assert.Equal(0, await queue.RescueExpiredLeasesAsync(Cancel));

        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, await queue.RescueExpiredLeasesAsync(Cancel));
        var rescued = Assert.Single(await queue.ClaimAsync(new ClaimRequest { WorkerId = "healthy" }, Cancel));

        Assert.Equal(id, rescued.Id);
        Assert.Equal(2, rescued.Attempt);
        Assert.NotEqual(dead.LeaseToken, rescued.LeaseToken);
        Assert.Equal(0, await queue.CompleteAsync([new JobCompletion(id, dead.LeaseToken)], Cancel));
        Assert.False(await queue.FailAsync(id, dead.LeaseToken, new JobFailure { Error = "late" }, Cancel));
        Assert.False(await queue.ExtendLeaseAsync(id, dead.LeaseToken, TimeSpan.FromMinutes(5), Cancel));
        Assert.Equal(1, await queue.CompleteAsync([new JobCompletion(id, rescued.LeaseToken, """{"ok":true}""")], Cancel));
        Assert.Equal(0, await queue.CompleteAsync([new JobCompletion(id, rescued.LeaseToken)], Cancel));

        var info = await queue.GetAsync(id, Cancel);
        Assert.Equal(JobStatus.Completed, info!.Status);
        Assert.Equal(2, info.Attempts);
        Assert.Equal("""{"ok":true}""", info.Result);
    }

    [Fact]
    public async Task A_heartbeat_keeps_the_lease_past_its_first_expiry()
    {
        var (db, queue, time) = await CreateAsync("q_heartbeat");
        await using var _db = db;
        await using var _queue = queue;
        await queue.EnqueueAsync(new JobRequest { JobType = "sync" }, Cancel);
        var job = Assert.Single(await queue.ClaimAsync(new ClaimRequest { WorkerId = "w", LeaseDuration = TimeSpan.FromMinutes(1) }, Cancel));

        time.Advance(TimeSpan.FromSeconds(50));
        Assert.True(await queue.ExtendLeaseAsync(job.Id, job.LeaseToken, TimeSpan.FromMinutes(1), Cancel));
        time.Advance(TimeSpan.FromSeconds(50));

        Assert.Equal(0, await queue.RescueExpiredLeasesAsync(Cancel));
        Assert.Equal(1, await queue.CompleteAsync([new JobCompletion(job.Id, job.LeaseToken)], Cancel));
    }

    [Fact]
    public async Task Failures_back_off_then_the_job_is_dead_with_its_error_kept_and_purged_after_seven_days()
    {
        var (db, queue, time) = await CreateAsync("q_failures", options => options.Queue.Backoff = attempt => TimeSpan.FromMinutes(attempt * 10));
        await using var _db = db;
        await using var _queue = queue;
        var id = (await queue.EnqueueAsync(new JobRequest { JobType = "sync", MaxAttempts = 2 }, Cancel)).JobId;

        var first = Assert.Single(await queue.ClaimAsync(new ClaimRequest { WorkerId = "w" }, Cancel));
        Assert.True(await queue.FailAsync(id, first.LeaseToken, new JobFailure { Error = "timeout", Details = "TimeoutException at …" }, Cancel));
        var waiting = await queue.GetAsync(id, Cancel);
        Assert.Equal((JobStatus.Pending, "timeout"), (waiting!.Status, waiting.LastError));
        Assert.Equal(time.GetUtcNow().AddMinutes(10), waiting.RunAt);
        Assert.Empty(await queue.ClaimAsync(new ClaimRequest { WorkerId = "w" }, Cancel));

        time.Advance(TimeSpan.FromMinutes(10));
        var second = Assert.Single(await queue.ClaimAsync(new ClaimRequest { WorkerId = "w" }, Cancel));
        Assert.True(await queue.FailAsync(id, second.LeaseToken, new JobFailure { Error = "boom", Details = "stack" }, Cancel));

        var dead = await queue.GetAsync(id, Cancel);
        Assert.Equal((JobStatus.Dead, "boom", "stack", 2), (dead!.Status, dead.LastError, dead.LastErrorDetails, dead.Attempts));
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM q_failures.jobs"));

        time.Advance(TimeSpan.FromDays(6));
        Assert.Equal(0, await queue.PurgeAsync(Cancel));
        Assert.NotNull(await queue.GetAsync(id, Cancel));
        time.Advance(TimeSpan.FromDays(1.1));
        Assert.Equal(1, await queue.PurgeAsync(Cancel));
        Assert.Null(await queue.GetAsync(id, Cancel));
    }

    [Fact]
    public async Task Default_backoff_grows_exponentially_with_bounded_jitter()
    {
        var (db, queue, _) = await CreateAsync("q_backoff");
        await using var _db = db;
        await using var _queue = queue;

        for (var attempt = 1; attempt <= 5; attempt++)
        {
            var expected = 5 * Math.Pow(2, attempt - 1);
            var delay = queue.Backoff(attempt).TotalSeconds;
            Assert.InRange(delay, expected * 0.8, expected * 1.2);
        }

        Assert.InRange(queue.Backoff(40).TotalHours, 0.8, 1.2);
    }

    [Fact]
    public async Task Dedup_key_is_unique_among_unfinished_jobs_only()
    {
        var (db, queue, _) = await CreateAsync("q_dedup");
        await using var _db = db;
        await using var _queue = queue;

        var first = await queue.EnqueueAsync(new JobRequest { JobType = "sync", DedupKey = "employes:2025-03-01T08:00" }, Cancel);
        var many = await queue.EnqueueManyAsync(
            [new JobRequest { JobType = "sync", DedupKey = "employes:2025-03-01T08:00" }, new JobRequest { JobType = "sync", DedupKey = "other" }, new JobRequest { JobType = "sync", DedupKey = "other" }],
            Cancel);

        Assert.False(first.Deduplicated);
        Assert.Equal(new EnqueueResult(first.JobId, true), many[0]);
        Assert.False(many[1].Deduplicated);
        Assert.Equal(new EnqueueResult(many[1].JobId, true), many[2]);

        foreach (var job in await queue.ClaimAsync(new ClaimRequest { WorkerId = "w", MaxJobs = 10 }, Cancel))
        {
            await queue.CompleteAsync([new JobCompletion(job.Id, job.LeaseToken)], Cancel);
        }

        var again = await queue.EnqueueAsync(new JobRequest { JobType = "sync", DedupKey = "employes:2025-03-01T08:00" }, Cancel);
        Assert.False(again.Deduplicated);
        Assert.NotEqual(first.JobId, again.JobId);
    }

    [Fact]
    public async Task Claims_follow_priority_then_run_at_and_respect_job_types()
    {
        var (db, queue, time) = await CreateAsync("q_order");
        await using var _db = db;
        await using var _queue = queue;
        var now = time.GetUtcNow();
        var low = (await queue.EnqueueAsync(new JobRequest { JobType = "a", Priority = 0, RunAt = now.AddMinutes(-2) }, Cancel)).JobId;
        var highLate = (await queue.EnqueueAsync(new JobRequest { JobType = "a", Priority = 5, RunAt = now.AddMinutes(-1) }, Cancel)).JobId;
        var highEarly = (await queue.EnqueueAsync(new JobRequest { JobType = "a", Priority = 5, RunAt = now.AddMinutes(-3) }, Cancel)).JobId;
        var future = (await queue.EnqueueAsync(new JobRequest { JobType = "a", Priority = 9, RunAt = now.AddHours(1) }, Cancel)).JobId;
        var otherType = (await queue.EnqueueAsync(new JobRequest { JobType = "b", Priority = 9 }, Cancel)).JobId;

        var claimed = await queue.ClaimAsync(new ClaimRequest { WorkerId = "w", MaxJobs = 10, JobTypes = ["a"] }, Cancel);

        Assert.Equal([highEarly, highLate, low], claimed.Select(job => job.Id));
        Assert.DoesNotContain(future, claimed.Select(job => job.Id));
        Assert.DoesNotContain(otherType, claimed.Select(job => job.Id));
    }

    [Fact]
    public async Task A_job_enqueued_in_a_rolled_back_transaction_never_exists()
    {
        var (db, queue, _) = await CreateAsync("q_transactional");
        await using var _db = db;
        await using var _queue = queue;

        await using (var connection = await db.DataSource.OpenConnectionAsync(Cancel))
        {
            await using var rolledBack = await connection.BeginTransactionAsync(Cancel);
            await queue.EnqueueAsync(rolledBack, new JobRequest { JobType = "derive", Payload = """{"key":"x"}""" }, Cancel);
            await rolledBack.RollbackAsync(Cancel);

            await using var committed = await connection.BeginTransactionAsync(Cancel);
            var kept = await queue.EnqueueAsync(committed, new JobRequest { JobType = "derive", Payload = """{"key":"y"}""" }, Cancel);
            Assert.Empty(await queue.ClaimAsync(new ClaimRequest { WorkerId = "w", MaxJobs = 10 }, Cancel));
            await committed.CommitAsync(Cancel);

            var claimed = Assert.Single(await queue.ClaimAsync(new ClaimRequest { WorkerId = "w", MaxJobs = 10 }, Cancel));
            Assert.Equal(kept.JobId, claimed.Id);
            Assert.Equal("""{"key":"y"}""", claimed.Payload);
        }
    }

    [Fact]
    public async Task Cancel_release_and_stats()
    {
        var (db, queue, time) = await CreateAsync("q_stats");
        await using var _db = db;
        await using var _queue = queue;
        var ids = (await queue.EnqueueManyAsync([new JobRequest { JobType = "sync" }, new JobRequest { JobType = "sync" }, new JobRequest { JobType = "derive" }], Cancel))
            .Select(result => result.JobId).ToArray();
        time.Advance(TimeSpan.FromMinutes(3));

        Assert.True(await queue.CancelAsync(ids[2], Cancel));
        Assert.False(await queue.CancelAsync(ids[2], Cancel));
        var claimed = await queue.ClaimAsync(new ClaimRequest { WorkerId = "w", MaxJobs = 2 }, Cancel);
        Assert.True(await queue.ReleaseAsync(claimed[1].Id, claimed[1].LeaseToken, Cancel));
        time.Advance(TimeSpan.FromSeconds(30));
        await queue.CompleteAsync([new JobCompletion(claimed[0].Id, claimed[0].LeaseToken)], Cancel);

        var released = await queue.GetAsync(claimed[1].Id, Cancel);
        Assert.Equal((JobStatus.Pending, 0), (released!.Status, released.Attempts));
        var stats = await queue.GetStatsAsync(Cancel);
        Assert.Equal(
            [new JobCount("derive", JobStatus.Cancelled, 1), new JobCount("sync", JobStatus.Pending, 1), new JobCount("sync", JobStatus.Completed, 1)],
            stats.Counts);
        Assert.Equal(TimeSpan.FromSeconds(210), stats.OldestPendingAge);
        Assert.Equal(TimeSpan.FromSeconds(30), stats.AverageDuration["sync"]);
    }

    [Fact]
    public async Task An_enqueue_wakes_a_waiting_worker()
    {
        var (db, queue, _) = await CreateAsync("q_notify");
        await using var _db = db;
        await using var _queue = queue;

        // Fake time never advances here, so only a notification can end these waits.
        await queue.WaitForJobsAsync(TimeSpan.FromHours(1), Cancel);
        var waiting = queue.WaitForJobsAsync(TimeSpan.FromHours(1), Cancel).AsTask();
        Assert.False(waiting.IsCompleted);
        await queue.EnqueueAsync(new JobRequest { JobType = "sync" }, Cancel);

        await waiting;
        Assert.Single(await queue.ClaimAsync(new ClaimRequest { WorkerId = "w" }, Cancel));
    }
}
