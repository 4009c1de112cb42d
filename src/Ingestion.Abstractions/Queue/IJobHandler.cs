namespace Ingestion;

/// <summary>
/// Runs jobs of one type claimed from the <see cref="IJobQueue"/>. The queue worker looks handlers up by
/// <see cref="JobType"/>; a job whose type has no handler is dead-lettered with an error naming the type.
/// </summary>
/// <remarks>
/// Return normally to complete the job. Throw to fail the attempt: the job is retried with backoff until its
/// maximum attempts, or dead at once when the exception is a <see cref="PermanentJobFailureException"/>.
/// Honour the cancellation token of <see cref="HandleAsync"/>: it fires on host shutdown, and a
/// job cancelled that way is released to another worker without counting the attempt.
/// </remarks>
public interface IJobHandler
{
    /// <summary>The job type this handler runs (for example <see cref="IngestionJobTypes.Sync"/>).</summary>
    string JobType { get; }

    /// <summary>Runs one claimed job.</summary>
    /// <param name="job">The job, with its payload and attempt number.</param>
    /// <param name="cancellationToken">Fires on shutdown or when the lease is lost.</param>
    /// <returns>An optional result (JSON or text) stored with the finished job.</returns>
    ValueTask<string?> HandleAsync(ClaimedJob job, CancellationToken cancellationToken);
}

/// <summary>Thrown by an <see cref="IJobHandler"/> when retrying cannot help (bad payload, forbidden, not found).</summary>
public sealed class PermanentJobFailureException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Why the job cannot succeed.</param>
    public PermanentJobFailureException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    /// <param name="message">Why the job cannot succeed.</param>
    /// <param name="innerException">The cause.</param>
    public PermanentJobFailureException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>The job types the library itself enqueues and handles.</summary>
public static class IngestionJobTypes
{
    /// <summary>Syncs one stream (payload: source, stream, options). Enqueued by schedules and background runs.</summary>
    public const string Sync = "ingestion.sync";

    /// <summary>Derives records for a batch of changed keys of one stream.</summary>
    public const string Derive = "ingestion.derive";

    /// <summary>Re-fetches partial records whose backoff has passed.</summary>
    public const string RetryPartials = "ingestion.retry-partials";

    /// <summary>Derives again the input keys whose output was planned for a time that has now passed (see <see cref="ITimeSensitiveDeriver"/>).</summary>
    public const string RederiveDue = "ingestion.rederive-due";

    /// <summary>Processes one verified webhook delivery from the inbox.</summary>
    public const string Webhook = "ingestion.webhook";

    /// <summary>Removes what the store no longer needs to keep, by the <see cref="RetentionOptions"/> (see <see cref="IStoreRetention"/>).</summary>
    public const string Retention = "ingestion.retention";
}
