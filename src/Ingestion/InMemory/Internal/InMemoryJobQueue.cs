using Ingestion.Queue.Internal;

namespace Ingestion.InMemory.Internal;

/// <summary>
/// The job queue in memory, with the PostgreSQL queue's rules: dedup keys unique among unfinished jobs, claims by priority then
/// <c>run_at</c>, leases whose every later change is compare-and-set on the token, backoff, dead after the last attempt, and
/// finished jobs kept until their retention passes. Enqueues, releases and rescues wake <see cref="WaitForJobsAsync"/>.
/// All times come from the <see cref="TimeProvider"/>.
/// </summary>
internal sealed partial class InMemoryJobQueue(InMemoryStoreOptions options, TimeProvider time) : IJobQueue
{
    private const string ExpiredOnLastAttempt = "The lease expired on the last attempt (the worker stopped or hung).";
    private const string Expired = "The lease expired (the worker stopped or hung).";

    private readonly Lock _gate = new();
    private readonly Dictionary<long, Job> _jobs = [];
    private readonly Dictionary<string, long> _unfinishedByDedupKey = new(StringComparer.Ordinal);
    private long _lastId;
    private readonly JobSignal _signal = new(time);

    public async ValueTask<EnqueueResult> EnqueueAsync(JobRequest job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var results = await EnqueueManyAsync([job], cancellationToken).ConfigureAwait(false);
        return results[0];
    }

    public ValueTask<IReadOnlyList<EnqueueResult>> EnqueueManyAsync(IReadOnlyList<JobRequest> jobs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        for (var index = 0; index < jobs.Count; index++)
        {
            JobQueueArguments.Validate(jobs[index] ?? throw new ArgumentException($"The job at index {index} is null.", nameof(jobs)), index);
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (jobs.Count == 0)
        {
            return ValueTask.FromResult<IReadOnlyList<EnqueueResult>>([]);
        }

        var now = time.GetUtcNow();
        var results = new EnqueueResult[jobs.Count];
        lock (_gate)
        {
            for (var index = 0; index < jobs.Count; index++)
            {
                var request = jobs[index];
                if (request.DedupKey is { } dedup && _unfinishedByDedupKey.TryGetValue(dedup, out var existing))
                {
                    results[index] = new EnqueueResult(existing, Deduplicated: true);
                    continue;
                }

                var job = new Job
                {
                    Id = ++_lastId,
                    JobType = request.JobType,
                    Payload = request.Payload,
                    Priority = request.Priority,
                    RunAt = request.RunAt ?? now,
                    MaxAttempts = request.MaxAttempts,
                    DedupKey = request.DedupKey,
                    EnqueuedAt = now,
                };
                _jobs.Add(job.Id, job);
                if (job.DedupKey is { } key)
                {
                    _unfinishedByDedupKey[key] = job.Id;
                }

                results[index] = new EnqueueResult(job.Id, Deduplicated: false);
            }
        }

        Signal();
        return ValueTask.FromResult<IReadOnlyList<EnqueueResult>>(results);
    }

    public ValueTask<IReadOnlyList<ClaimedJob>> ClaimAsync(ClaimRequest claim, CancellationToken cancellationToken)
    {
        JobQueueArguments.Validate(claim);

        cancellationToken.ThrowIfCancellationRequested();
        var now = time.GetUtcNow();
        var types = claim.JobTypes is { } only ? new HashSet<string>(only, StringComparer.Ordinal) : null;
        var excluded = claim.ExcludedJobTypes is { Count: > 0 } except ? new HashSet<string>(except, StringComparer.Ordinal) : null;
        var claimed = new List<ClaimedJob>();
        lock (_gate)
        {
            var runnable = _jobs.Values
                .Where(job => job.Status == JobStatus.Pending && job.RunAt <= now && (types is null || types.Contains(job.JobType)) && (excluded is null || !excluded.Contains(job.JobType)))
                .OrderByDescending(job => job.Priority)
                .ThenBy(job => job.RunAt)
                .ThenBy(job => job.Id)
                .Take(claim.MaxJobs);
            foreach (var job in runnable)
            {
                job.Status = JobStatus.Running;
                job.Attempts++;
                job.LeaseToken = Guid.NewGuid();
                job.LeaseExpiresAt = now + claim.LeaseDuration;
                job.LockedBy = claim.WorkerId;
                job.StartedAt = now;
                claimed.Add(new ClaimedJob
                {
                    Id = job.Id,
                    JobType = job.JobType,
                    Payload = job.Payload,
                    Attempt = job.Attempts,
                    MaxAttempts = job.MaxAttempts,
                    LeaseToken = job.LeaseToken.Value,
                    LeaseExpiresAt = job.LeaseExpiresAt.Value,
                    DedupKey = job.DedupKey,
                    EnqueuedAt = job.EnqueuedAt,
                });
            }
        }

        return ValueTask.FromResult<IReadOnlyList<ClaimedJob>>(claimed);
    }

    public ValueTask<bool> ExtendLeaseAsync(long jobId, Guid leaseToken, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        if (leaseDuration <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(leaseDuration), leaseDuration, "The lease duration must be positive.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (Leased(jobId, leaseToken) is not { } job)
            {
                return ValueTask.FromResult(false);
            }

            job.LeaseExpiresAt = time.GetUtcNow() + leaseDuration;
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask<int> CompleteAsync(IReadOnlyList<JobCompletion> completions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(completions);
        cancellationToken.ThrowIfCancellationRequested();
        var now = time.GetUtcNow();
        var completed = 0;
        lock (_gate)
        {
            foreach (var completion in completions)
            {
                if (Leased(completion.JobId, completion.LeaseToken) is { } job)
                {
                    Finish(job, JobStatus.Completed, now);
                    job.Result = completion.Result;
                    completed++;
                }
            }
        }

        return ValueTask.FromResult(completed);
    }

    public ValueTask<bool> FailAsync(long jobId, Guid leaseToken, JobFailure failure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(failure);
        cancellationToken.ThrowIfCancellationRequested();
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (Leased(jobId, leaseToken) is not { } job)
            {
                return ValueTask.FromResult(false);
            }

            job.LastError = failure.Error ?? string.Empty;
            job.LastErrorDetails = failure.Details ?? (failure.Permanent || job.Attempts >= job.MaxAttempts ? job.LastErrorDetails : null);
            if (failure.Permanent || job.Attempts >= job.MaxAttempts)
            {
                Finish(job, JobStatus.Dead, now);
            }
            else
            {
                job.Status = JobStatus.Pending;
                job.RunAt = failure.RetryAt ?? now + Backoff(job.Attempts);
                ClearLease(job);
            }

            return ValueTask.FromResult(true);
        }
    }

    /// <summary>The delay before the next attempt after <paramref name="attempt"/> failed.</summary>
    private TimeSpan Backoff(int attempt) => JobBackoff.Delay(attempt, options.BackoffBase, options.MaxBackoff, options.JobBackoff);

    public ValueTask<bool> ReleaseAsync(long jobId, Guid leaseToken, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (Leased(jobId, leaseToken) is not { } job)
            {
                return ValueTask.FromResult(false);
            }

            job.Status = JobStatus.Pending;
            job.Attempts = Math.Max(job.Attempts - 1, 0);
            ClearLease(job);
        }

        Signal();
        return ValueTask.FromResult(true);
    }

    public ValueTask<bool> CancelAsync(long jobId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_jobs.TryGetValue(jobId, out var job) || job.Status is not (JobStatus.Pending or JobStatus.Running))
            {
                return ValueTask.FromResult(false);
            }

            Finish(job, JobStatus.Cancelled, time.GetUtcNow());
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask<int> RescueExpiredLeasesAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var now = time.GetUtcNow();
        var rescued = 0;
        lock (_gate)
        {
            foreach (var job in _jobs.Values)
            {
                if (job.Status != JobStatus.Running || job.LeaseExpiresAt >= now)
                {
                    continue;
                }

                rescued++;
                if (job.Attempts >= job.MaxAttempts)
                {
                    job.LastError = ExpiredOnLastAttempt;
                    Finish(job, JobStatus.Dead, now);
                }
                else
                {
                    job.Status = JobStatus.Pending;
                    job.LastError ??= Expired;
                    ClearLease(job);
                }
            }
        }

        Signal();
        return ValueTask.FromResult(rescued);
    }

    public ValueTask<JobInfo?> GetAsync(long jobId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult(_jobs.TryGetValue(jobId, out var job) ? job.ToInfo() : null);
        }
    }

    public ValueTask<QueueStats> GetStatsAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var now = time.GetUtcNow();
        var counts = new Dictionary<(string JobType, JobStatus Status), long>();
        var durations = new Dictionary<string, (TimeSpan Total, int Count)>(StringComparer.Ordinal);
        DateTimeOffset? oldest = null;
        lock (_gate)
        {
            foreach (var job in _jobs.Values)
            {
                counts[(job.JobType, job.Status)] = counts.GetValueOrDefault((job.JobType, job.Status)) + 1;
                if (job.Status == JobStatus.Pending && job.RunAt <= now && (oldest is null || job.EnqueuedAt < oldest))
                {
                    oldest = job.EnqueuedAt;
                }

                if (job is { Status: JobStatus.Completed, StartedAt: { } started, FinishedAt: { } finished })
                {
                    var (total, count) = durations.GetValueOrDefault(job.JobType);
                    durations[job.JobType] = (total + (finished - started), count + 1);
                }
            }
        }

        var list = counts.Select(entry => new JobCount(entry.Key.JobType, entry.Key.Status, entry.Value)).ToList();
        list.Sort(static (left, right) =>
        {
            var order = string.CompareOrdinal(left.JobType, right.JobType);
            return order != 0 ? order : left.Status.CompareTo(right.Status);
        });
        TimeSpan? age = oldest is { } at ? (now - at < TimeSpan.Zero ? TimeSpan.Zero : now - at) : null;
        return ValueTask.FromResult(new QueueStats
        {
            Counts = list,
            OldestPendingAge = age,
            AverageDuration = durations.ToDictionary(entry => entry.Key, entry => entry.Value.Total / entry.Value.Count, StringComparer.Ordinal),
        });
    }

    public ValueTask WaitForJobsAsync(TimeSpan maxWait, CancellationToken cancellationToken) => _signal.WaitAsync(maxWait, cancellationToken);

    public ValueTask<int> PurgeAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var now = time.GetUtcNow();
        var deadBefore = now - options.DeadRetention;
        var finishedBefore = now - options.CompletedRetention;
        var purged = 0;
        lock (_gate)
        {
            foreach (var job in _jobs.Values.ToList())
            {
                if (job.FinishedAt is { } finished && (job.Status == JobStatus.Dead ? finished < deadBefore : finished < finishedBefore))
                {
                    _jobs.Remove(job.Id);
                    purged++;
                }
            }
        }

        return ValueTask.FromResult(purged);
    }

    private Job? Leased(long jobId, Guid leaseToken) =>
        _jobs.TryGetValue(jobId, out var job) && job.Status == JobStatus.Running && job.LeaseToken == leaseToken ? job : null;

    private void Finish(Job job, JobStatus status, DateTimeOffset at)
    {
        job.Status = status;
        job.FinishedAt = at;
        job.LeaseToken = null;
        job.LeaseExpiresAt = null;
        if (job.DedupKey is { } key && _unfinishedByDedupKey.TryGetValue(key, out var holder) && holder == job.Id)
        {
            _unfinishedByDedupKey.Remove(key);
        }
    }

    private static void ClearLease(Job job)
    {
        job.LeaseToken = null;
        job.LeaseExpiresAt = null;
        job.LockedBy = null;
    }

    private void Signal() => _signal.Signal();

    private sealed class Job
    {
        public required long Id { get; init; }

        public required string JobType { get; init; }

        public required string Payload { get; init; }

        public required int Priority { get; init; }

        public required DateTimeOffset RunAt { get; set; }

        public required int MaxAttempts { get; init; }

        public string? DedupKey { get; init; }

        public required DateTimeOffset EnqueuedAt { get; init; }

        public JobStatus Status { get; set; }

        public int Attempts { get; set; }

        public Guid? LeaseToken { get; set; }

        public DateTimeOffset? LeaseExpiresAt { get; set; }

        public string? LockedBy { get; set; }

        public DateTimeOffset? StartedAt { get; set; }

        public string? LastError { get; set; }

        public string? LastErrorDetails { get; set; }

        public DateTimeOffset? FinishedAt { get; set; }

        public string? Result { get; set; }

        public JobInfo ToInfo() => new()
        {
            Id = Id,
            JobType = JobType,
            Status = Status,
            Payload = Payload,
            Attempts = Attempts,
            MaxAttempts = MaxAttempts,
            Priority = Priority,
            RunAt = RunAt,
            DedupKey = DedupKey,
            LastError = LastError,
            LastErrorDetails = LastErrorDetails,
            EnqueuedAt = EnqueuedAt,
            FinishedAt = FinishedAt,
            Result = Result,
            LockedBy = LockedBy,
        };
    }
}
