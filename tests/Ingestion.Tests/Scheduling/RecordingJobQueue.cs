using System.Collections.Concurrent;

namespace Ingestion.Tests.Scheduling;

/// <summary>A queue that only records enqueues (deduplicating like a real one) and signals each.</summary>
internal sealed class RecordingJobQueue : IJobQueue
{
    private readonly ConcurrentDictionary<string, long> _dedup = new(StringComparer.Ordinal);
    private long _nextId;

    public ConcurrentQueue<JobRequest> Enqueued { get; } = new();

    public TaskCompletionSource<JobRequest> NextEnqueue { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ValueTask<EnqueueResult> EnqueueAsync(JobRequest job, CancellationToken cancellationToken)
    {
        if (job.DedupKey is { } key && _dedup.TryGetValue(key, out var existing))
        {
            return ValueTask.FromResult(new EnqueueResult(existing, true));
        }

        var id = Interlocked.Increment(ref _nextId);
        if (job.DedupKey is { } newKey)
        {
            _dedup[newKey] = id;
        }

        Enqueued.Enqueue(job);
        var signal = NextEnqueue;
        NextEnqueue = new(TaskCreationOptions.RunContinuationsAsynchronously);
        signal.TrySetResult(job);
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

    public ValueTask<int> RescueExpiredLeasesAsync(CancellationToken cancellationToken) => ValueTask.FromResult(0);

    public ValueTask<JobInfo?> GetAsync(long jobId, CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask<QueueStats> GetStatsAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask WaitForJobsAsync(TimeSpan maxWait, CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask<int> PurgeAsync(CancellationToken cancellationToken) => ValueTask.FromResult(0);
}
