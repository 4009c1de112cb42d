namespace Ingestion.Postgres;

/// <summary>Options of the PostgreSQL store. Validated when the host starts; an invalid value stops it with a message naming the option.</summary>
public sealed class PostgresStoreOptions
{
    /// <summary>The default <see cref="Schema"/>.</summary>
    public const string DefaultSchema = "ingestion";

    /// <summary>
    /// The schema that holds every table. A plain lowercase identifier: a letter or underscore, then letters, digits or underscores,
    /// at most 63 characters. Defaults to <c>ingestion</c>.
    /// </summary>
    public string Schema { get; set; } = DefaultSchema;

    /// <summary>How long one statement may run. Defaults to 60 seconds.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The most rows the store sends or touches in one statement when it splits work itself (enqueueing many jobs, purging). Defaults to 5,000.</summary>
    public int BatchSize { get; set; } = 5_000;

    /// <summary>Whether the schema is created and migrated when the host starts. Defaults to <see langword="true"/>.</summary>
    public bool AutoMigrate { get; set; } = true;

    /// <summary>
    /// The largest payload stored as JSONB, in bytes; a larger one is stored raw and flagged with
    /// <see cref="IssueKind.PayloadTooLarge"/>. Defaults to 16 MiB.
    /// </summary>
    public int MaxPayloadBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// The algorithm records are hashed with; the store records it with every hash (<c>hash_algorithm</c>). A key stored with
    /// another (a database written before XxHash128 became the default holds SHA-256) is compared in its own algorithm, so
    /// switching writes no new version of an unchanged record; its key takes this algorithm on that write. Defaults to
    /// <see cref="ContentHashAlgorithm.XxHash128"/>.
    /// </summary>
    public ContentHashAlgorithm HashAlgorithm { get; set; } = ContentHashAlgorithm.XxHash128;

    /// <summary>The job queue's options.</summary>
    public PostgresQueueOptions Queue { get; set; } = new();
}

/// <summary>Options of the PostgreSQL job queue.</summary>
public sealed class PostgresQueueOptions
{
    /// <summary>
    /// The delay before a failed job's next attempt, given the attempt that failed (1 for the first).
    /// <see langword="null"/> (the default) uses exponential backoff with jitter: <see cref="BackoffBase"/> × 2^(attempt−1),
    /// at most <see cref="MaxBackoff"/>, with up to ±20% jitter.
    /// </summary>
    public Func<int, TimeSpan>? Backoff { get; set; }

    /// <summary>The first retry delay of the default backoff. Defaults to 5 seconds.</summary>
    public TimeSpan BackoffBase { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest retry delay of the default backoff. Defaults to 1 hour.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long completed and cancelled jobs stay readable in the history before <see cref="IJobQueue.PurgeAsync"/> deletes them. Defaults to 1 day.</summary>
    public TimeSpan CompletedRetention { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How long dead jobs (with their errors) stay in the history. Defaults to 7 days.</summary>
    public TimeSpan DeadRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Whether workers wake on <c>LISTEN/NOTIFY</c>; polling remains the fallback. Turn off behind a transaction-mode pooler. Defaults to <see langword="true"/>.</summary>
    public bool UseNotifications { get; set; } = true;
}
