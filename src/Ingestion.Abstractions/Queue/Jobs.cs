namespace Ingestion;

/// <summary>A job to enqueue.</summary>
public sealed record JobRequest
{
    /// <summary>The job type, which selects the handler (for example <c>sync</c>, <c>derive</c>).</summary>
    public required string JobType { get; init; }

    /// <summary>The payload, as JSON.</summary>
    public string Payload { get; init; } = "{}";

    /// <summary>Higher runs first. Defaults to 0.</summary>
    public int Priority { get; init; }

    /// <summary>The earliest time the job may run; <see langword="null"/> for now.</summary>
    public DateTimeOffset? RunAt { get; init; }

    /// <summary>Attempts before the job is dead. Defaults to 3.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>A key unique among unfinished jobs: enqueueing a second job with it returns the first. <see langword="null"/> for none.</summary>
    public string? DedupKey { get; init; }
}

/// <summary>The result of an enqueue.</summary>
/// <param name="JobId">The job's id (the existing job's when deduplicated).</param>
/// <param name="Deduplicated">Whether an unfinished job with the same dedup key already existed.</param>
public readonly record struct EnqueueResult(long JobId, bool Deduplicated);

/// <summary>A claim request.</summary>
public sealed record ClaimRequest
{
    /// <summary>Who claims (recorded on the job).</summary>
    public required string WorkerId { get; init; }

    /// <summary>The most jobs to claim. Defaults to 1.</summary>
    public int MaxJobs { get; init; } = 1;

    /// <summary>Only these job types; <see langword="null"/> for any.</summary>
    public IReadOnlyCollection<string>? JobTypes { get; init; }

    /// <summary>Never these job types (for example the ones other loops handle); <see langword="null"/> for no exclusion.</summary>
    public IReadOnlyCollection<string>? ExcludedJobTypes { get; init; }

    /// <summary>How long the lease lasts without a heartbeat. Defaults to 5 minutes.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromMinutes(5);
}

/// <summary>A claimed job.</summary>
public sealed record ClaimedJob
{
    /// <summary>The job id.</summary>
    public required long Id { get; init; }

    /// <summary>The job type.</summary>
    public required string JobType { get; init; }

    /// <summary>The payload, as JSON.</summary>
    public required string Payload { get; init; }

    /// <summary>This attempt's number, 1 for the first.</summary>
    public required int Attempt { get; init; }

    /// <summary>Attempts before the job is dead.</summary>
    public required int MaxAttempts { get; init; }

    /// <summary>The lease token; every later state change must present it.</summary>
    public required Guid LeaseToken { get; init; }

    /// <summary>When the lease expires without a heartbeat.</summary>
    public required DateTimeOffset LeaseExpiresAt { get; init; }

    /// <summary>The dedup key, if any.</summary>
    public string? DedupKey { get; init; }

    /// <summary>When the job was enqueued.</summary>
    public DateTimeOffset EnqueuedAt { get; init; }
}

/// <summary>A completion.</summary>
/// <param name="JobId">The job.</param>
/// <param name="LeaseToken">The token from the claim.</param>
/// <param name="Result">An optional result, as JSON.</param>
public readonly record struct JobCompletion(long JobId, Guid LeaseToken, string? Result = null);

/// <summary>What <see cref="IJobQueue.CompleteAndClaimAsync"/> did.</summary>
/// <param name="Completed">How many of the completions were accepted.</param>
/// <param name="Claimed">The jobs claimed next, highest priority first, then earliest <c>run_at</c>, each with a fresh lease token.</param>
public sealed record CompletedAndClaimed(int Completed, IReadOnlyList<ClaimedJob> Claimed);

/// <summary>Why a job attempt failed.</summary>
public sealed record JobFailure
{
    /// <summary>The error message.</summary>
    public required string Error { get; init; }

    /// <summary>Details (for example an exception's type and stack), kept with the job.</summary>
    public string? Details { get; init; }

    /// <summary>Whether retrying cannot help: the job is dead at once.</summary>
    public bool Permanent { get; init; }

    /// <summary>When to retry, overriding the queue's backoff; <see langword="null"/> to use it.</summary>
    public DateTimeOffset? RetryAt { get; init; }
}

/// <summary>The status of a job.</summary>
public enum JobStatus
{
    /// <summary>Waiting to run (new, or rescheduled after a failure).</summary>
    Pending,

    /// <summary>Claimed by a worker.</summary>
    Running,

    /// <summary>Done.</summary>
    Completed,

    /// <summary>Failed its last attempt, or failed permanently.</summary>
    Dead,

    /// <summary>Cancelled before it finished.</summary>
    Cancelled,
}

/// <summary>A job as stored.</summary>
public sealed record JobInfo
{
    /// <summary>The job id.</summary>
    public required long Id { get; init; }

    /// <summary>The job type.</summary>
    public required string JobType { get; init; }

    /// <summary>The status.</summary>
    public required JobStatus Status { get; init; }

    /// <summary>The payload.</summary>
    public required string Payload { get; init; }

    /// <summary>Attempts made.</summary>
    public int Attempts { get; init; }

    /// <summary>Attempts allowed.</summary>
    public int MaxAttempts { get; init; }

    /// <summary>The priority.</summary>
    public int Priority { get; init; }

    /// <summary>When it may run next.</summary>
    public DateTimeOffset RunAt { get; init; }

    /// <summary>The dedup key.</summary>
    public string? DedupKey { get; init; }

    /// <summary>The last error.</summary>
    public string? LastError { get; init; }

    /// <summary>The last error's details.</summary>
    public string? LastErrorDetails { get; init; }

    /// <summary>When it was enqueued.</summary>
    public DateTimeOffset EnqueuedAt { get; init; }

    /// <summary>When it finished, if it did.</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>The result of a completed job.</summary>
    public string? Result { get; init; }

    /// <summary>The worker that holds (or last held) the job's lease, or <see langword="null"/> when no worker claimed it.</summary>
    public string? LockedBy { get; init; }
}

/// <summary>Queue statistics.</summary>
public sealed record QueueStats
{
    /// <summary>Counts by job type and status.</summary>
    public required IReadOnlyList<JobCount> Counts { get; init; }

    /// <summary>The age of the oldest runnable pending job, or <see langword="null"/> when none.</summary>
    public TimeSpan? OldestPendingAge { get; init; }

    /// <summary>The average run time of retained completed jobs, by job type.</summary>
    public IReadOnlyDictionary<string, TimeSpan> AverageDuration { get; init; } = new Dictionary<string, TimeSpan>();
}

/// <summary>A count of jobs of one type in one status.</summary>
/// <param name="JobType">The job type.</param>
/// <param name="Status">The status.</param>
/// <param name="Count">How many.</param>
public readonly record struct JobCount(string JobType, JobStatus Status, long Count);
