using System.Collections.Concurrent;

namespace Ingestion.Tests.Support;

/// <summary>A job queue that only records what was enqueued (with dedup by key), for handlers and clients that enqueue.</summary>
internal sealed class RecordingJobQueue : IJobQueue
{
    private readonly ConcurrentQueue<(long Id, JobRequest Job)> _jobs = new();
    private long _nextId;

    public IReadOnlyList<JobRequest> Enqueued => [.. _jobs.Select(j => j.Job)];

    public IReadOnlyList<JobRequest> OfType(string jobType) => [.. Enqueued.Where(j => j.JobType == jobType)];

    public ValueTask<EnqueueResult> EnqueueAsync(JobRequest job, CancellationToken cancellationToken)
    {
        if (job.DedupKey is { } key && _jobs.FirstOrDefault(j => j.Job.DedupKey == key) is { Job: not null } existing)
        {
            return ValueTask.FromResult(new EnqueueResult(existing.Id, true));
        }

        var id = Interlocked.Increment(ref _nextId);
        _jobs.Enqueue((id, job));
        return ValueTask.FromResult(new EnqueueResult(id, false));
    }

    public async ValueTask<IReadOnlyList<EnqueueResult>> EnqueueManyAsync(IReadOnlyList<JobRequest> jobs, CancellationToken cancellationToken)
    {
        var results = new List<EnqueueResult>();
        foreach (var job in jobs)
        {
            results.Add(await EnqueueAsync(job, cancellationToken));
        }

        return results;
    }

    public ValueTask<IReadOnlyList<ClaimedJob>> ClaimAsync(ClaimRequest claim, CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask<bool> ExtendLeaseAsync(long jobId, Guid leaseToken, TimeSpan leaseDuration, CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask<int> CompleteAsync(IReadOnlyList<JobCompletion> completions, CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask<bool> FailAsync(long jobId, Guid leaseToken, JobFailure failure, CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask<bool> ReleaseAsync(long jobId, Guid leaseToken, CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask<bool> CancelAsync(long jobId, CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask<int> RescueExpiredLeasesAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask<JobInfo?> GetAsync(long jobId, CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask<QueueStats> GetStatsAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(new QueueStats
        {
            Counts = [.. _jobs.GroupBy(j => j.Job.JobType).Select(g => new JobCount(g.Key, JobStatus.Pending, g.Count()))],
        });

    public ValueTask WaitForJobsAsync(TimeSpan maxWait, CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask<int> PurgeAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

    public static ClaimedJob Claimed(JobRequest job, long id = 1, int attempt = 1) => new()
    {
        Id = id,
        JobType = job.JobType,
        Payload = job.Payload,
        Attempt = attempt,
        MaxAttempts = job.MaxAttempts,
        LeaseToken = Guid.NewGuid(),
        LeaseExpiresAt = DateTimeOffset.MaxValue,
        DedupKey = job.DedupKey,
    };
}
