namespace Ingestion.Conformance;

/// <summary>A worker's step from one job to the next: the completion and the next claim in one call.</summary>
public abstract partial class JobQueueConformance
{
    private static ClaimRequest Next(string worker, int maxJobs = 1) => new() { WorkerId = worker, MaxJobs = maxJobs, LeaseDuration = Lease };

    [Fact]
    public async Task Completing_and_claiming_in_one_call_completes_the_job_and_claims_the_next_in_claim_order()
    {
        var first = (await Queue.EnqueueAsync(Job(priority: 9), Cancel)).JobId;
        var low = (await Queue.EnqueueAsync(Job(priority: 0), Cancel)).JobId;
        var high = (await Queue.EnqueueAsync(Job(priority: 5), Cancel)).JobId;
        var claimed = await ClaimOneAsync();
        Assert.Equal(first, claimed.Id);

        var (completed, next) = await Queue.CompleteAndClaimAsync([new JobCompletion(first, claimed.LeaseToken, """{"ok":true}""")], Next("w2", 2), Cancel);

        Assert.Equal(1, completed);
        Assert.Equal([high, low], next.Select(job => job.Id));
        Assert.All(next, job => Assert.Equal((1, T0 + Lease), (job.Attempt, job.LeaseExpiresAt)));
        var done = await Queue.GetAsync(first, Cancel);
        Assert.Equal(JobStatus.Completed, done!.Status);
        Assert.Equal("""{"ok":true}""", done.Result?.Replace(" ", string.Empty, StringComparison.Ordinal));
        Assert.Equal((JobStatus.Running, "w2"), ((await Queue.GetAsync(high, Cancel))!.Status, (await Queue.GetAsync(high, Cancel))!.LockedBy));

        // Nothing left to claim: the completions still count.
        var (last, none) = await Queue.CompleteAndClaimAsync(next.Select(job => new JobCompletion(job.Id, job.LeaseToken)).ToList(), Next("w2"), Cancel);
        Assert.Equal(2, last);
        Assert.Empty(none);
        Assert.Equal(JobStatus.Completed, (await Queue.GetAsync(low, Cancel))!.Status);

        // No completions: a plain claim.
        var only = (await Queue.EnqueueAsync(Job(), Cancel)).JobId;
        var (nothing, alone) = await Queue.CompleteAndClaimAsync([], Next("w3"), Cancel);
        Assert.Equal((0, only), (nothing, Assert.Single(alone).Id));
    }

    [Fact]
    public async Task A_stale_completion_is_refused_in_the_combined_call_and_its_claim_takes_the_rescued_job_with_a_new_token()
    {
        var id = (await Queue.EnqueueAsync(Job(), Cancel)).JobId;
        var stale = await ClaimOneAsync("slow-worker");
        Time.Advance(Lease + TimeSpan.FromSeconds(1));
        Assert.Equal(1, await Queue.RescueExpiredLeasesAsync(Cancel));

        var (completed, next) = await Queue.CompleteAndClaimAsync([new JobCompletion(id, stale.LeaseToken)], Next("slow-worker"), Cancel);

        Assert.Equal(0, completed);
        var again = Assert.Single(next);
        Assert.Equal((id, 2), (again.Id, again.Attempt));
        Assert.NotEqual(stale.LeaseToken, again.LeaseToken);
        Assert.Equal(JobStatus.Running, (await Queue.GetAsync(id, Cancel))!.Status);
        Assert.Equal(0, await Queue.CompleteAsync([new JobCompletion(id, stale.LeaseToken)], Cancel));
        Assert.Equal(1, await Queue.CompleteAsync([new JobCompletion(id, again.LeaseToken)], Cancel));
    }
}
