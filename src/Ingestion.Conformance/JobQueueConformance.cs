namespace Ingestion.Conformance;

/// <summary>
/// The rules of <see cref="IJobQueue"/>: dedup keys, claim order, leases that are compare-and-set on their token, backoff,
/// dead jobs, release and rescue, statistics, wake-ups and retention. Default backoff and retention are assumed (a first retry
/// within an hour; completed jobs kept a day, dead jobs a week).
/// </summary>
public abstract partial class JobQueueConformance : StoreConformance
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    private IJobQueue Queue => Stores.Queue;

    private static JobRequest Job(string type = "sync", int priority = 0, string? dedup = null, int maxAttempts = 3, DateTimeOffset? runAt = null, string payload = """{"n":1}""") =>
        new() { JobType = type, Priority = priority, DedupKey = dedup, MaxAttempts = maxAttempts, RunAt = runAt, Payload = payload };

    private async Task<ClaimedJob> ClaimOneAsync(string worker = "w1")
    {
        var claimed = await Queue.ClaimAsync(new ClaimRequest { WorkerId = worker, LeaseDuration = Lease }, Cancel);
        return Assert.Single(claimed);
    }

    private async Task AssertNothingToClaimAsync() =>
        Assert.Empty(await Queue.ClaimAsync(new ClaimRequest { WorkerId = "w-check", MaxJobs = 100, LeaseDuration = Lease }, Cancel));

    [Fact]
    public async Task An_enqueued_job_is_pending_and_readable()
    {
        var result = await Queue.EnqueueAsync(Job(payload: """{"stream":"employees"}""", priority: 4), Cancel);

        Assert.False(result.Deduplicated);
        var job = await Queue.GetAsync(result.JobId, Cancel);
        Assert.NotNull(job);
        Assert.Equal((JobStatus.Pending, "sync", 0, 3, 4), (job.Status, job.JobType, job.Attempts, job.MaxAttempts, job.Priority));
        Assert.Equal("""{"stream":"employees"}""", job.Payload);
        Assert.Equal((T0, T0), (job.EnqueuedAt, job.RunAt));
        Assert.Null(job.FinishedAt);
        Assert.Null(job.LockedBy);
        Assert.Null(await Queue.GetAsync(result.JobId + 1000, Cancel));
    }

    [Fact]
    public async Task A_claimed_job_names_the_worker_that_holds_its_lease()
    {
        var id = (await Queue.EnqueueAsync(Job(), Cancel)).JobId;

        var claimed = await ClaimOneAsync("worker-a");

        Assert.Equal(id, claimed.Id);
        Assert.Equal("worker-a", (await Queue.GetAsync(id, Cancel))!.LockedBy);
    }

    [Fact]
    public async Task A_dedup_key_is_unique_among_unfinished_jobs_only()
    {
        var first = await Queue.EnqueueAsync(Job(dedup: "sync:employees"), Cancel);
        var second = await Queue.EnqueueAsync(Job(dedup: "sync:employees", payload: """{"n":2}"""), Cancel);
        Assert.Equal(new EnqueueResult(first.JobId, Deduplicated: true), second);
        Assert.Equal("""{"n":1}""", (await Queue.GetAsync(first.JobId, Cancel))!.Payload);

        // Running is still unfinished.
        var claimed = await ClaimOneAsync();
        Assert.True((await Queue.EnqueueAsync(Job(dedup: "sync:employees"), Cancel)).Deduplicated);
        Assert.Equal(1, await Queue.CompleteAsync([new JobCompletion(claimed.Id, claimed.LeaseToken)], Cancel));

        var third = await Queue.EnqueueAsync(Job(dedup: "sync:employees"), Cancel);
        Assert.False(third.Deduplicated);
        Assert.NotEqual(first.JobId, third.JobId);
    }

    [Fact]
    public async Task Enqueueing_many_returns_one_result_per_job_in_order_and_dedups_within_the_call()
    {
        var results = await Queue.EnqueueManyAsync([Job(dedup: "a"), Job(), Job(dedup: "a"), Job(dedup: "b")], Cancel);

        Assert.Equal(4, results.Count);
        Assert.Equal([false, false, true, false], results.Select(result => result.Deduplicated));
        Assert.Equal(results[0].JobId, results[2].JobId);
        Assert.Equal(3, results.Select(result => result.JobId).Distinct().Count());
        Assert.Empty(await Queue.EnqueueManyAsync([], Cancel));
    }

    [Fact]
    public async Task Claims_take_the_highest_priority_first_then_the_earliest_run_at()
    {
        var low = await Queue.EnqueueAsync(Job(priority: 0), Cancel);
        var highLater = await Queue.EnqueueAsync(Job(priority: 5, runAt: T0.AddSeconds(-10)), Cancel);
        var highEarlier = await Queue.EnqueueAsync(Job(priority: 5, runAt: T0.AddMinutes(-10)), Cancel);
        var middle = await Queue.EnqueueAsync(Job(priority: 1), Cancel);

        var claimed = await Queue.ClaimAsync(new ClaimRequest { WorkerId = "w1", MaxJobs = 3, LeaseDuration = Lease }, Cancel);
        Assert.Equal([highEarlier.JobId, highLater.JobId, middle.JobId], claimed.Select(job => job.Id));
        Assert.All(claimed, job => Assert.Equal((1, T0 + Lease), (job.Attempt, job.LeaseExpiresAt)));
        Assert.Equal(JobStatus.Running, (await Queue.GetAsync(middle.JobId, Cancel))!.Status);
        Assert.Equal(low.JobId, (await ClaimOneAsync()).Id);
        await AssertNothingToClaimAsync();
    }

    [Fact]
    public async Task A_job_is_claimable_only_from_its_run_at_and_only_by_a_worker_that_takes_its_type()
    {
        var later = await Queue.EnqueueAsync(Job(runAt: T0.AddMinutes(10)), Cancel);
        var derive = await Queue.EnqueueAsync(Job(type: "derive"), Cancel);

        Assert.Empty(await Queue.ClaimAsync(new ClaimRequest { WorkerId = "w1", JobTypes = ["sync"], LeaseDuration = Lease }, Cancel));
        Assert.Equal(derive.JobId, Assert.Single(await Queue.ClaimAsync(new ClaimRequest { WorkerId = "w1", JobTypes = ["derive", "webhook"], LeaseDuration = Lease }, Cancel)).Id);

        Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(later.JobId, (await ClaimOneAsync()).Id);
    }

    [Fact]
    public async Task A_stale_lease_token_can_neither_complete_nor_fail_nor_extend_after_a_rescue()
    {
        var id = (await Queue.EnqueueAsync(Job(), Cancel)).JobId;
        var stale = await ClaimOneAsync("dead-worker");

        Time.Advance(Lease + TimeSpan.FromSeconds(1));
        Assert.Equal(1, await Queue.RescueExpiredLeasesAsync(Cancel));
        var rescued = await Queue.GetAsync(id, Cancel);
        Assert.Equal((JobStatus.Pending, 1), (rescued!.Status, rescued.Attempts));

        var fresh = await ClaimOneAsync("w2");
        Assert.Equal((id, 2), (fresh.Id, fresh.Attempt));
        Assert.NotEqual(stale.LeaseToken, fresh.LeaseToken);

        Assert.Equal(0, await Queue.CompleteAsync([new JobCompletion(id, stale.LeaseToken)], Cancel));
        Assert.False(await Queue.FailAsync(id, stale.LeaseToken, new JobFailure { Error = "late" }, Cancel));
        Assert.False(await Queue.ExtendLeaseAsync(id, stale.LeaseToken, Lease, Cancel));
        Assert.False(await Queue.ReleaseAsync(id, stale.LeaseToken, Cancel));
        Assert.Equal(JobStatus.Running, (await Queue.GetAsync(id, Cancel))!.Status);

        Assert.Equal(1, await Queue.CompleteAsync([new JobCompletion(id, fresh.LeaseToken, """{"ok":true}""")], Cancel));
        var done = await Queue.GetAsync(id, Cancel);
        Assert.Equal((JobStatus.Completed, Time.GetUtcNow()), (done!.Status, done.FinishedAt));
        Assert.Equal("""{"ok":true}""", done.Result?.Replace(" ", string.Empty, StringComparison.Ordinal));
        Assert.Equal(0, await Queue.CompleteAsync([new JobCompletion(id, fresh.LeaseToken)], Cancel));
    }

    [Fact]
    public async Task A_heartbeat_keeps_a_lease_from_being_rescued()
    {
        var id = (await Queue.EnqueueAsync(Job(), Cancel)).JobId;
        var claimed = await ClaimOneAsync();

        Time.Advance(TimeSpan.FromMinutes(4));
        Assert.True(await Queue.ExtendLeaseAsync(id, claimed.LeaseToken, Lease, Cancel));
        Time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(0, await Queue.RescueExpiredLeasesAsync(Cancel));
        Assert.Equal(JobStatus.Running, (await Queue.GetAsync(id, Cancel))!.Status);

        Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, await Queue.RescueExpiredLeasesAsync(Cancel));
    }

    [Fact]
    public async Task A_failed_attempt_is_retried_after_a_backoff_and_the_job_is_dead_after_its_last_attempt()
    {
        var id = (await Queue.EnqueueAsync(Job(maxAttempts: 2), Cancel)).JobId;
        var first = await ClaimOneAsync();
        Assert.True(await Queue.FailAsync(id, first.LeaseToken, new JobFailure { Error = "HTTP 503", Details = "stack 1" }, Cancel));

        var waiting = await Queue.GetAsync(id, Cancel);
        Assert.Equal((JobStatus.Pending, 1, "HTTP 503", "stack 1"), (waiting!.Status, waiting.Attempts, waiting.LastError, waiting.LastErrorDetails));
        Assert.InRange(waiting.RunAt, T0.AddTicks(1), T0.AddHours(1));
        await AssertNothingToClaimAsync();

        Time.Advance(TimeSpan.FromHours(1));
        var second = await ClaimOneAsync();
        Assert.Equal(2, second.Attempt);
        Assert.True(await Queue.FailAsync(id, second.LeaseToken, new JobFailure { Error = "HTTP 500", Details = "stack 2" }, Cancel));

        var dead = await Queue.GetAsync(id, Cancel);
        Assert.Equal((JobStatus.Dead, 2, "HTTP 500", "stack 2", Time.GetUtcNow()), (dead!.Status, dead.Attempts, dead.LastError, dead.LastErrorDetails, dead.FinishedAt));
        Time.Advance(TimeSpan.FromDays(1));
        await AssertNothingToClaimAsync();
    }

    [Fact]
    public async Task A_failure_may_say_when_to_retry()
    {
        var id = (await Queue.EnqueueAsync(Job(), Cancel)).JobId;
        var claimed = await ClaimOneAsync();
        Assert.True(await Queue.FailAsync(id, claimed.LeaseToken, new JobFailure { Error = "429", RetryAt = T0.AddMinutes(30) }, Cancel));

        Assert.Equal(T0.AddMinutes(30), (await Queue.GetAsync(id, Cancel))!.RunAt);
        Time.Advance(TimeSpan.FromMinutes(29));
        await AssertNothingToClaimAsync();
        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(id, (await ClaimOneAsync()).Id);
    }

    [Fact]
    public async Task A_permanent_failure_is_dead_at_once()
    {
        var id = (await Queue.EnqueueAsync(Job(maxAttempts: 5), Cancel)).JobId;
        var claimed = await ClaimOneAsync();
        Assert.True(await Queue.FailAsync(id, claimed.LeaseToken, new JobFailure { Error = "HTTP 404", Permanent = true }, Cancel));

        var dead = await Queue.GetAsync(id, Cancel);
        Assert.Equal((JobStatus.Dead, 1, "HTTP 404"), (dead!.Status, dead.Attempts, dead.LastError));
        Time.Advance(TimeSpan.FromDays(1));
        await AssertNothingToClaimAsync();
    }

    [Fact]
    public async Task A_released_job_is_runnable_at_once_and_the_attempt_does_not_count()
    {
        var id = (await Queue.EnqueueAsync(Job(maxAttempts: 1), Cancel)).JobId;
        var claimed = await ClaimOneAsync();
        Assert.True(await Queue.ReleaseAsync(id, claimed.LeaseToken, Cancel));

        var released = await Queue.GetAsync(id, Cancel);
        Assert.Equal((JobStatus.Pending, 0), (released!.Status, released.Attempts));
        var again = await ClaimOneAsync("w2");
        Assert.Equal((id, 1), (again.Id, again.Attempt));
        Assert.False(await Queue.ReleaseAsync(id, claimed.LeaseToken, Cancel));
    }

    [Fact]
    public async Task A_lease_that_expires_on_the_last_attempt_leaves_the_job_dead()
    {
        var id = (await Queue.EnqueueAsync(Job(maxAttempts: 1), Cancel)).JobId;
        var claimed = await ClaimOneAsync();

        Time.Advance(Lease + TimeSpan.FromSeconds(1));
        Assert.Equal(1, await Queue.RescueExpiredLeasesAsync(Cancel));

        var dead = await Queue.GetAsync(id, Cancel);
        Assert.Equal((JobStatus.Dead, 1), (dead!.Status, dead.Attempts));
        Assert.False(string.IsNullOrEmpty(dead.LastError));
        Assert.Equal(0, await Queue.CompleteAsync([new JobCompletion(id, claimed.LeaseToken)], Cancel));
        Assert.Equal(0, await Queue.RescueExpiredLeasesAsync(Cancel));
    }

    [Fact]
    public async Task An_unfinished_job_can_be_cancelled_and_a_finished_one_cannot()
    {
        var pending = (await Queue.EnqueueAsync(Job(dedup: "k"), Cancel)).JobId;
        Assert.True(await Queue.CancelAsync(pending, Cancel));
        Assert.Equal(JobStatus.Cancelled, (await Queue.GetAsync(pending, Cancel))!.Status);
        Assert.False(await Queue.CancelAsync(pending, Cancel));
        Assert.False((await Queue.EnqueueAsync(Job(dedup: "k"), Cancel)).Deduplicated);

        var running = await ClaimOneAsync();
        Assert.True(await Queue.CancelAsync(running.Id, Cancel));
        Assert.Equal(0, await Queue.CompleteAsync([new JobCompletion(running.Id, running.LeaseToken)], Cancel));
        Assert.Equal(JobStatus.Cancelled, (await Queue.GetAsync(running.Id, Cancel))!.Status);
        Assert.False(await Queue.CancelAsync(running.Id + 1000, Cancel));
    }

    [Fact]
    public async Task Stats_count_jobs_by_type_and_status_with_the_oldest_pending_age_and_the_average_duration()
    {
        await Queue.EnqueueAsync(Job(type: "sync", priority: 9), Cancel);
        await Queue.EnqueueAsync(Job(type: "sync", priority: 8), Cancel);
        Time.Advance(TimeSpan.FromMinutes(1));
        await Queue.EnqueueAsync(Job(type: "sync"), Cancel);
        await Queue.EnqueueAsync(Job(type: "derive"), Cancel);
        await Queue.EnqueueAsync(Job(type: "derive", runAt: T0.AddDays(1)), Cancel);

        var syncs = await Queue.ClaimAsync(new ClaimRequest { WorkerId = "w1", MaxJobs = 2, JobTypes = ["sync"], LeaseDuration = Lease }, Cancel);
        Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(1, await Queue.CompleteAsync([new JobCompletion(syncs[0].Id, syncs[0].LeaseToken)], Cancel));

        var stats = await Queue.GetStatsAsync(Cancel);
        Assert.Equal(
            [new JobCount("derive", JobStatus.Pending, 2), new JobCount("sync", JobStatus.Pending, 1), new JobCount("sync", JobStatus.Running, 1), new JobCount("sync", JobStatus.Completed, 1)],
            stats.Counts);
        Assert.Equal(TimeSpan.FromSeconds(30), stats.OldestPendingAge);
        Assert.Equal(TimeSpan.FromSeconds(30), stats.AverageDuration["sync"]);
        Assert.False(stats.AverageDuration.ContainsKey("derive"));
    }

    [Fact]
    public async Task Stats_of_an_empty_queue_have_no_oldest_pending_job()
    {
        var stats = await Queue.GetStatsAsync(Cancel);

        Assert.Empty(stats.Counts);
        Assert.Null(stats.OldestPendingAge);
    }

    [Fact]
    public async Task An_enqueue_wakes_a_waiting_worker_for_a_job_it_can_claim()
    {
        var waiting = Queue.WaitForJobsAsync(TimeSpan.FromHours(1), Cancel).AsTask();
        var enqueued = await Queue.EnqueueAsync(Job(), Cancel);

        // The fake clock never moves here, so only the enqueue (or a store's spurious early wake) can end the wait; either
        // way the woken worker must find the job committed and claimable.
        await waiting.WaitAsync(Cancel);
        Assert.Equal(enqueued.JobId, (await ClaimOneAsync()).Id);
    }

    [Fact]
    public async Task A_wait_without_jobs_ends_after_its_maximum_and_the_next_enqueue_still_wakes_the_next_wait()
    {
        var waiting = Queue.WaitForJobsAsync(TimeSpan.FromSeconds(5), Cancel).AsTask();
        Time.Advance(TimeSpan.FromSeconds(5));
        await waiting.WaitAsync(Cancel);
        await AssertNothingToClaimAsync();

        // A wait that ended on its maximum leaves nothing behind that would swallow the next wake-up.
        var next = Queue.WaitForJobsAsync(TimeSpan.FromHours(1), Cancel).AsTask();
        var enqueued = await Queue.EnqueueAsync(Job(), Cancel);
        await next.WaitAsync(Cancel);
        Assert.Equal(enqueued.JobId, (await ClaimOneAsync()).Id);
    }

    [Fact]
    public async Task Purge_deletes_finished_jobs_past_their_retention_and_keeps_dead_jobs_longer()
    {
        var done = (await Queue.EnqueueAsync(Job(), Cancel)).JobId;
        var doomed = (await Queue.EnqueueAsync(Job(), Cancel)).JobId;
        var open = (await Queue.EnqueueAsync(Job(runAt: T0.AddDays(30)), Cancel)).JobId;
        var claimed = await Queue.ClaimAsync(new ClaimRequest { WorkerId = "w1", MaxJobs = 2, LeaseDuration = Lease }, Cancel);
        Assert.Equal(1, await Queue.CompleteAsync([new JobCompletion(done, claimed.Single(job => job.Id == done).LeaseToken)], Cancel));
        Assert.True(await Queue.FailAsync(doomed, claimed.Single(job => job.Id == doomed).LeaseToken, new JobFailure { Error = "bad", Permanent = true }, Cancel));

        Assert.Equal(0, await Queue.PurgeAsync(Cancel));
        Time.Advance(TimeSpan.FromDays(2));
        Assert.Equal(1, await Queue.PurgeAsync(Cancel));
        Assert.Null(await Queue.GetAsync(done, Cancel));
        Assert.Equal(JobStatus.Dead, (await Queue.GetAsync(doomed, Cancel))!.Status);

        Time.Advance(TimeSpan.FromDays(6));
        Assert.Equal(1, await Queue.PurgeAsync(Cancel));
        Assert.Null(await Queue.GetAsync(doomed, Cancel));
        Assert.Equal(JobStatus.Pending, (await Queue.GetAsync(open, Cancel))!.Status);
    }
}
