namespace Ingestion.InMemory.Internal;

/// <summary>What an operator does with the queue: list jobs in one status, and requeue a dead job.</summary>
internal sealed partial class InMemoryJobQueue
{
    public ValueTask<IReadOnlyList<JobInfo>> GetJobsAsync(JobStatus status, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<JobInfo>>(
            [
                .. _jobs.Values
                    .Where(job => job.Status == status)
                    .OrderByDescending(job => job.EnqueuedAt)
                    .ThenByDescending(job => job.Id)
                    .Take(limit)
                    .Select(job => job.ToInfo()),
            ]);
        }
    }

    public ValueTask<bool> RequeueDeadAsync(long jobId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_jobs.TryGetValue(jobId, out var job) || job.Status != JobStatus.Dead
                || (job.DedupKey is { } held && _unfinishedByDedupKey.ContainsKey(held)))
            {
                return ValueTask.FromResult(false);
            }

            job.Status = JobStatus.Pending;
            job.Attempts = 0;
            job.RunAt = time.GetUtcNow();
            job.FinishedAt = null;
            job.StartedAt = null;
            job.Result = null;
            ClearLease(job);
            if (job.DedupKey is { } key)
            {
                _unfinishedByDedupKey[key] = job.Id;
            }
        }

        Signal();
        return ValueTask.FromResult(true);
    }
}
