namespace Ingestion.Tests.Workers;

/// <summary>Wraps a queue and signals after every state change, so a test can await a job's status without polling the clock.</summary>
internal sealed class ObservedJobQueue(IJobQueue inner) : IJobQueue
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Heartbeats;

    public int RefusedHeartbeats;

    public int CompletedAndClaimed;

    /// <summary>Completes once <paramref name="condition"/> holds, checking it after every change.</summary>
    public async Task<T> WhenAsync<T>(Func<Task<T?>> condition)
        where T : class
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                changed = _changed.Task;
            }

            if (await condition() is { } result)
            {
                return result;
            }

            await changed;
        }
    }

    public Task<JobInfo> WhenStatusAsync(long id, JobStatus status) =>
        WhenAsync(async () => await inner.GetAsync(id, CancellationToken.None) is { } job && job.Status == status ? job : null);

    private T Changed<T>(T result)
    {
        TaskCompletionSource fired;
        lock (_gate)
        {
            fired = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        fired.TrySetResult();
        return result;
    }

    public async ValueTask<EnqueueResult> EnqueueAsync(JobRequest job, CancellationToken cancellationToken) =>
        Changed(await inner.EnqueueAsync(job, cancellationToken));

    public async ValueTask<IReadOnlyList<EnqueueResult>> EnqueueManyAsync(IReadOnlyList<JobRequest> jobs, CancellationToken cancellationToken) =>
        Changed(await inner.EnqueueManyAsync(jobs, cancellationToken));

    public async ValueTask<IReadOnlyList<ClaimedJob>> ClaimAsync(ClaimRequest claim, CancellationToken cancellationToken) =>
        Changed(await inner.ClaimAsync(claim, cancellationToken));

    public async ValueTask<bool> ExtendLeaseAsync(long jobId, Guid leaseToken, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        var extended = await inner.ExtendLeaseAsync(jobId, leaseToken, leaseDuration, cancellationToken);
        Interlocked.Increment(ref extended ? ref Heartbeats : ref RefusedHeartbeats);
        return Changed(extended);
    }

    public async ValueTask<int> CompleteAsync(IReadOnlyList<JobCompletion> completions, CancellationToken cancellationToken) =>
        Changed(await inner.CompleteAsync(completions, cancellationToken));

    public async ValueTask<CompletedAndClaimed> CompleteAndClaimAsync(IReadOnlyList<JobCompletion> completions, ClaimRequest claim, CancellationToken cancellationToken)
    {
        var result = await inner.CompleteAndClaimAsync(completions, claim, cancellationToken);
        Interlocked.Increment(ref CompletedAndClaimed);
        return Changed(result);
    }

    public async ValueTask<bool> FailAsync(long jobId, Guid leaseToken, JobFailure failure, CancellationToken cancellationToken) =>
        Changed(await inner.FailAsync(jobId, leaseToken, failure, cancellationToken));

    public async ValueTask<bool> ReleaseAsync(long jobId, Guid leaseToken, CancellationToken cancellationToken) =>
        Changed(await inner.ReleaseAsync(jobId, leaseToken, cancellationToken));

    public async ValueTask<bool> CancelAsync(long jobId, CancellationToken cancellationToken) =>
        Changed(await inner.CancelAsync(jobId, cancellationToken));

    public async ValueTask<int> RescueExpiredLeasesAsync(CancellationToken cancellationToken) =>
        Changed(await inner.RescueExpiredLeasesAsync(cancellationToken));

    public ValueTask<JobInfo?> GetAsync(long jobId, CancellationToken cancellationToken) => inner.GetAsync(jobId, cancellationToken);

    public ValueTask<QueueStats> GetStatsAsync(CancellationToken cancellationToken) => inner.GetStatsAsync(cancellationToken);

    public ValueTask WaitForJobsAsync(TimeSpan maxWait, CancellationToken cancellationToken) => inner.WaitForJobsAsync(maxWait, cancellationToken);

    public ValueTask<int> PurgeAsync(CancellationToken cancellationToken) => inner.PurgeAsync(cancellationToken);
}
