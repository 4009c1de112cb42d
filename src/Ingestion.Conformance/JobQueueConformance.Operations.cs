namespace Ingestion.Conformance;

/// <summary>What an operator does with the queue: list jobs by status, and requeue a dead job.</summary>
public abstract partial class JobQueueConformance
{
    private async Task<long> DeadJobAsync(string? dedup = null, string error = "HTTP 404")
    {
        var id = (await Queue.EnqueueAsync(Job(dedup: dedup, maxAttempts: 1), Cancel)).JobId;
        var claimed = await ClaimOneAsync();
        Assert.Equal(id, claimed.Id);
        Assert.True(await Queue.FailAsync(id, claimed.LeaseToken, new JobFailure { Error = error }, Cancel));
        return id;
    }

    [Fact]
    public async Task Jobs_are_listed_by_status_newest_first_with_their_errors()
    {
        var dead = await DeadJobAsync(error: "HTTP 410 gone");
        Time.Advance(TimeSpan.FromMinutes(1));
        var older = (await Queue.EnqueueAsync(Job(type: "a"), Cancel)).JobId;
        Time.Advance(TimeSpan.FromMinutes(1));
        var newer = (await Queue.EnqueueAsync(Job(type: "b"), Cancel)).JobId;

        Assert.Equal([newer, older], (await Queue.GetJobsAsync(JobStatus.Pending, 10, Cancel)).Select(job => job.Id));
        Assert.Equal([newer], (await Queue.GetJobsAsync(JobStatus.Pending, 1, Cancel)).Select(job => job.Id));
        var listed = Assert.Single(await Queue.GetJobsAsync(JobStatus.Dead, 10, Cancel));
        Assert.Equal((dead, JobStatus.Dead, "HTTP 410 gone"), (listed.Id, listed.Status, listed.LastError));
        Assert.Empty(await Queue.GetJobsAsync(JobStatus.Completed, 10, Cancel));
    }

    [Fact]
    public async Task A_requeued_dead_job_runs_again_with_its_attempts_reset()
    {
        var id = await DeadJobAsync();
        Time.Advance(TimeSpan.FromHours(1));

        Assert.True(await Queue.RequeueDeadAsync(id, Cancel));

        var job = await Queue.GetAsync(id, Cancel);
        Assert.Equal((JobStatus.Pending, 0, Time.GetUtcNow(), (DateTimeOffset?)null), (job!.Status, job.Attempts, job.RunAt, job.FinishedAt));
        Assert.Empty(await Queue.GetJobsAsync(JobStatus.Dead, 10, Cancel));
        var claimed = await ClaimOneAsync();
        Assert.Equal((id, 1, """{"n":1}"""), (claimed.Id, claimed.Attempt, claimed.Payload));

        // Only a dead job is requeued: not a running one, nor one that does not exist.
        Assert.False(await Queue.RequeueDeadAsync(id, Cancel));
        Assert.False(await Queue.RequeueDeadAsync(id + 1000, Cancel));
    }

    [Fact]
    public async Task A_dead_job_stays_dead_while_an_unfinished_job_holds_its_dedup_key()
    {
        var id = await DeadJobAsync(dedup: "sync:employees");
        var holder = (await Queue.EnqueueAsync(Job(dedup: "sync:employees"), Cancel)).JobId;

        Assert.False(await Queue.RequeueDeadAsync(id, Cancel));
        Assert.Equal(JobStatus.Dead, (await Queue.GetAsync(id, Cancel))!.Status);

        Assert.True(await Queue.CancelAsync(holder, Cancel));
        Assert.True(await Queue.RequeueDeadAsync(id, Cancel));
        Assert.True((await Queue.EnqueueAsync(Job(dedup: "sync:employees"), Cancel)).Deduplicated);
    }
}
