namespace Ingestion.Queue.Internal;

/// <summary>
/// The argument checks every <see cref="IJobQueue"/> makes, so the in-memory and PostgreSQL queues refuse the same requests
/// with the same messages.
/// </summary>
internal static class JobQueueArguments
{
    public static void Validate(JobRequest job, int index)
    {
        if (string.IsNullOrWhiteSpace(job.JobType))
        {
            throw new ArgumentException($"The job at index {index} has no JobType.", nameof(job));
        }

        if (job.MaxAttempts < 1)
        {
            throw new ArgumentException($"The job at index {index} ({job.JobType}) has MaxAttempts {job.MaxAttempts}; it must be at least 1.", nameof(job));
        }

        ArgumentNullException.ThrowIfNull(job.Payload);
    }

    public static void Validate(ClaimRequest claim)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentException.ThrowIfNullOrEmpty(claim.WorkerId);
        ArgumentOutOfRangeException.ThrowIfLessThan(claim.MaxJobs, 1);
        if (claim.LeaseDuration <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(claim), claim.LeaseDuration, "ClaimRequest.LeaseDuration must be positive.");
        }
    }
}
