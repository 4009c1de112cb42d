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

    /// <summary>
    /// Whether claims and completions run as prepared statements, kept on each pooled connection: PostgreSQL then parses and
    /// plans them once per connection instead of on every call. Turn off behind a pooler that does not carry prepared statements
    /// over (PgBouncer in transaction mode before 1.21). Do not run <c>DISCARD ALL</c> or <c>DEALLOCATE ALL</c> on the data
    /// source's connections while it is on: Npgsql would look for statements the server has dropped. Defaults to
    /// <see langword="true"/>.
    /// </summary>
    public bool UsePreparedStatements { get; set; } = true;

    /// <summary>
    /// After how many jobs, claimed one at a time, the queue vacuums its table of unfinished jobs: in the background, one vacuum
    /// at a time, skipped while autovacuum or another host vacuums it. Each claimed job leaves a dead index entry that every later
    /// claim walks past until a vacuum removes it, and autovacuum comes at most once a minute. Claims of many jobs at once walk
    /// less often, so the vacuum comes later for them: when jobs × claims since the last vacuum reach this number squared
    /// (for claims of 500 jobs, after about 22 times as many jobs). The role needs to own the table (otherwise PostgreSQL skips
    /// the vacuum with a warning). 0 leaves it to autovacuum. Defaults to 5,000.
    /// </summary>
    public int VacuumAfterJobs { get; set; } = 5_000;
}
