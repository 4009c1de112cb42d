namespace Ingestion;

/// <summary>Options of the cron scheduler (section <c>Ingestion:Scheduler</c> by convention). Validated when the host starts.</summary>
public sealed class SchedulerOptions
{
    /// <summary>Whether the scheduler fires schedules on this host. Defaults to <see langword="true"/>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How often the scheduler reads the schedule store (picking up schedules added or changed in the database). It also wakes at the
    /// earliest next run it knows. Defaults to 30 seconds; between 1 second and 1 hour.
    /// </summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Consecutive failed runs after which a schedule is disabled (when <see cref="DisableOnFailure"/> is on). Defaults to 5.</summary>
    public int MaxConsecutiveFailures { get; set; } = 5;

    /// <summary>Whether a schedule is disabled after <see cref="MaxConsecutiveFailures"/> failed runs, with the reason recorded. Defaults to <see langword="true"/>.</summary>
    public bool DisableOnFailure { get; set; } = true;

    /// <summary>Attempts of each enqueued sync job (a run that throws is retried; a run that reports failure is not). Defaults to 3.</summary>
    public int JobMaxAttempts { get; set; } = 3;

    /// <summary>The priority of enqueued sync jobs. Defaults to 0.</summary>
    public int JobPriority { get; set; }

    /// <summary>
    /// How often the scheduler queues the partial-record retry job (<see cref="IngestionJobTypes.RetryPartials"/>), which re-fetches the
    /// partial records whose backoff has passed. At most one such job waits at a time. Defaults to 5 minutes; <see cref="TimeSpan.Zero"/> turns it off.
    /// </summary>
    public TimeSpan PartialRetryInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How often the scheduler queues the job that derives again the output of time-sensitive derivers whose planned date has
    /// passed (<see cref="IngestionJobTypes.RederiveDue"/>; for example a contract end that has now happened). At most one such job
    /// waits at a time. Defaults to 1 hour; <see cref="TimeSpan.Zero"/> turns it off.
    /// </summary>
    public TimeSpan RederiveDueInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How often the scheduler queues a retention pass (<see cref="IngestionJobTypes.Retention"/>), which removes what the
    /// <see cref="RetentionOptions"/> allow. At most one such job waits at a time. Defaults to 1 day; <see cref="TimeSpan.Zero"/> turns it off.
    /// </summary>
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromDays(1);
}
