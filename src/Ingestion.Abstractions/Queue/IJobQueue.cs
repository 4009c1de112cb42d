namespace Ingestion;

/// <summary>
/// A durable job queue with leases. Every state change after a claim is compare-and-set on the lease
/// token, so a worker whose lease expired and whose job was rescued cannot complete or fail it afterwards.
/// </summary>
public interface IJobQueue
{
    /// <summary>Enqueues one job.</summary>
    /// <param name="job">The job.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The job id, or the id of the unfinished job that already holds the same dedup key.</returns>
    ValueTask<EnqueueResult> EnqueueAsync(JobRequest job, CancellationToken cancellationToken);

    /// <summary>Enqueues several jobs in one round trip.</summary>
    /// <param name="jobs">The jobs.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>One result per job, in order.</returns>
    ValueTask<IReadOnlyList<EnqueueResult>> EnqueueManyAsync(IReadOnlyList<JobRequest> jobs, CancellationToken cancellationToken);

    /// <summary>Claims up to <see cref="ClaimRequest.MaxJobs"/> runnable jobs, highest priority first, then earliest <c>run_at</c>.</summary>
    /// <param name="claim">Who claims, how many, which job types, for how long.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The claimed jobs, each with a fresh lease token.</returns>
    ValueTask<IReadOnlyList<ClaimedJob>> ClaimAsync(ClaimRequest claim, CancellationToken cancellationToken);

    /// <summary>Extends a lease (heartbeat).</summary>
    /// <param name="jobId">The job.</param>
    /// <param name="leaseToken">The token from the claim.</param>
    /// <param name="leaseDuration">The new lease length from now.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="false"/> when the lease is no longer held.</returns>
    ValueTask<bool> ExtendLeaseAsync(long jobId, Guid leaseToken, TimeSpan leaseDuration, CancellationToken cancellationToken);

    /// <summary>Completes jobs; each completion is refused when its lease token no longer holds.</summary>
    /// <param name="completions">The jobs and their tokens.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>How many were completed.</returns>
    ValueTask<int> CompleteAsync(IReadOnlyList<JobCompletion> completions, CancellationToken cancellationToken);

    /// <summary>
    /// Completes jobs and claims the next ones, as a worker does between one job and the next. A store that can does both in
    /// one round trip and one transaction (a failure leaves both undone). Each completion is refused when its lease token no
    /// longer holds, as in <see cref="CompleteAsync"/>; the claim is <see cref="ClaimAsync"/>'s. The default implementation
    /// calls the two in turn.
    /// </summary>
    /// <param name="completions">The jobs and their tokens.</param>
    /// <param name="claim">Who claims next, how many, which job types, for how long.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>How many were completed, and the claimed jobs.</returns>
    async ValueTask<CompletedAndClaimed> CompleteAndClaimAsync(IReadOnlyList<JobCompletion> completions, ClaimRequest claim, CancellationToken cancellationToken)
    {
        var completed = await CompleteAsync(completions, cancellationToken).ConfigureAwait(false);
        return new CompletedAndClaimed(completed, await ClaimAsync(claim, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Fails a job: it is rescheduled with backoff, or dead after its last attempt (or at once when permanent).</summary>
    /// <param name="jobId">The job.</param>
    /// <param name="leaseToken">The token from the claim.</param>
    /// <param name="failure">What went wrong.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="false"/> when the lease is no longer held.</returns>
    ValueTask<bool> FailAsync(long jobId, Guid leaseToken, JobFailure failure, CancellationToken cancellationToken);

    /// <summary>Gives a claimed job back without counting an attempt, so another worker takes it at once (graceful shutdown).</summary>
    /// <param name="jobId">The job.</param>
    /// <param name="leaseToken">The token from the claim.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="false"/> when the lease is no longer held.</returns>
    ValueTask<bool> ReleaseAsync(long jobId, Guid leaseToken, CancellationToken cancellationToken);

    /// <summary>Cancels a job that has not finished.</summary>
    /// <param name="jobId">The job.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Whether it was cancelled.</returns>
    ValueTask<bool> CancelAsync(long jobId, CancellationToken cancellationToken);

    /// <summary>Makes jobs whose lease expired runnable again (the attempt counts). Returns how many.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>How many jobs were rescued.</returns>
    ValueTask<int> RescueExpiredLeasesAsync(CancellationToken cancellationToken);

    /// <summary>Reads a job, finished or not (finished jobs while they are retained).</summary>
    /// <param name="jobId">The job.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The job, or <see langword="null"/>.</returns>
    ValueTask<JobInfo?> GetAsync(long jobId, CancellationToken cancellationToken);

    /// <summary>Counts by job type and status, average duration and the age of the oldest pending job.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The statistics.</returns>
    ValueTask<QueueStats> GetStatsAsync(CancellationToken cancellationToken);

    /// <summary>Waits until a job may be runnable (an enqueue notification) or <paramref name="maxWait"/> passes.</summary>
    /// <param name="maxWait">The longest wait (the polling fallback).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes on a notification or timeout.</returns>
    ValueTask WaitForJobsAsync(TimeSpan maxWait, CancellationToken cancellationToken);

    /// <summary>Deletes finished jobs past their retention. Returns how many.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>How many were purged.</returns>
    ValueTask<int> PurgeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Lists jobs in one status, newest first (by enqueue time, then id): what an operator looks at, for example the dead
    /// jobs with their errors. Finished jobs are listed while they are retained. The default implementation lists none; a
    /// store should override it.
    /// </summary>
    /// <param name="status">The status to list.</param>
    /// <param name="limit">The most jobs to return.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The jobs.</returns>
    ValueTask<IReadOnlyList<JobInfo>> GetJobsAsync(JobStatus status, int limit, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<JobInfo>>([]);

    /// <summary>
    /// Puts a dead job back in the queue as a fresh pending job with the same id, type, payload and dedup key: its attempts
    /// start again from zero and it is runnable at once. Refused (<see langword="false"/>) when the job is not dead, or
    /// when an unfinished job already holds its dedup key. The default implementation refuses every job; a store should
    /// override it.
    /// </summary>
    /// <param name="jobId">The dead job.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Whether the job was requeued.</returns>
    ValueTask<bool> RequeueDeadAsync(long jobId, CancellationToken cancellationToken) => ValueTask.FromResult(false);
}
