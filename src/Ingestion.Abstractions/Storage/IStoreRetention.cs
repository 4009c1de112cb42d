namespace Ingestion;

/// <summary>
/// Removes what a store no longer needs to keep, by the rules of <see cref="RetentionOptions"/>: superseded raw versions,
/// soft-deleted keys, old run-log and retry-log entries and processed webhook deliveries. A store implements it when it
/// supports retention; the engine's maintenance job (<see cref="IngestionJobTypes.Retention"/>) calls it.
/// </summary>
/// <remarks>
/// Whatever the rules say, an implementation never removes a key's latest version nor the version just before it (the
/// derivers read it to find what a moved or corrected record fed), nor a run that has not finished. It works in small
/// batches with short transactions, so that writers are never blocked for long.
/// </remarks>
public interface IStoreRetention
{
    /// <summary>Removes (or, with <paramref name="dryRun"/>, only counts) what the rules allow to go.</summary>
    /// <param name="options">The rules, with their per-source overrides.</param>
    /// <param name="dryRun">Counts what would be removed and removes nothing.</param>
    /// <param name="cancellationToken">Stops between batches; what was removed stays removed.</param>
    /// <returns>What was removed, or would be.</returns>
    ValueTask<RetentionResult> ApplyRetentionAsync(RetentionOptions options, bool dryRun, CancellationToken cancellationToken);
}

/// <summary>What a retention pass removed, or would remove in a dry run.</summary>
public sealed record RetentionResult
{
    /// <summary>Whether nothing was removed and the counts say what would have been.</summary>
    public bool DryRun { get; init; }

    /// <summary>Superseded versions of raw records.</summary>
    public long SupersededVersions { get; init; }

    /// <summary>Soft-deleted keys removed with all their versions and retry log.</summary>
    public long DeletedKeys { get; init; }

    /// <summary>Run-log entries.</summary>
    public long Runs { get; init; }

    /// <summary>Retry-log entries.</summary>
    public long RetryLogEntries { get; init; }

    /// <summary>Processed webhook deliveries.</summary>
    public long WebhookDeliveries { get; init; }

    /// <summary>Everything counted above.</summary>
    public long Total => SupersededVersions + DeletedKeys + Runs + RetryLogEntries + WebhookDeliveries;
}
