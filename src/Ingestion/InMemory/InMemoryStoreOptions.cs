namespace Ingestion;

/// <summary>Options of the in-memory stores. Validated when the host starts; an invalid value stops it with a message naming the option.</summary>
public sealed class InMemoryStoreOptions
{
    /// <summary>
    /// The largest payload kept as JSON, in bytes; a larger one is kept raw and flagged with <see cref="IssueKind.PayloadTooLarge"/>,
    /// as the PostgreSQL store does. Defaults to 16 MiB.
    /// </summary>
    public int MaxPayloadBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// The algorithm records are hashed with; a key stored with another keeps comparing correctly, and is re-hashed on its next
    /// unchanged write. Defaults to <see cref="ContentHashAlgorithm.XxHash128"/>.
    /// </summary>
    public ContentHashAlgorithm HashAlgorithm { get; set; } = ContentHashAlgorithm.XxHash128;

    /// <summary>
    /// The delay before a failed job's next attempt, given the attempt that failed (1 for the first).
    /// <see langword="null"/> (the default) uses exponential backoff with jitter: <see cref="BackoffBase"/> × 2^(attempt−1),
    /// at most <see cref="MaxBackoff"/>, with up to ±20% jitter.
    /// </summary>
    public Func<int, TimeSpan>? JobBackoff { get; set; }

    /// <summary>The first retry delay of the default job backoff. Defaults to 5 seconds.</summary>
    public TimeSpan BackoffBase { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest retry delay of the default job backoff. Defaults to 1 hour.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long completed and cancelled jobs stay readable before <see cref="IJobQueue.PurgeAsync"/> deletes them. Defaults to 1 day.</summary>
    public TimeSpan CompletedRetention { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How long dead jobs (with their errors) stay readable. Defaults to 7 days.</summary>
    public TimeSpan DeadRetention { get; set; } = TimeSpan.FromDays(7);
}
