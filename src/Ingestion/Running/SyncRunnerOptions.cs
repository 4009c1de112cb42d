namespace Ingestion;

/// <summary>Options of the sync runner. Configure them with <c>services.Configure&lt;SyncRunnerOptions&gt;(...)</c>.</summary>
public sealed class SyncRunnerOptions
{
    /// <summary>How many failed runs in a row make a stream unhealthy (a first failure only degrades it). Defaults to 3.</summary>
    public int UnhealthyAfterConsecutiveFailures { get; set; } = 3;

    /// <summary>The most issues one report lists; further ones are counted in a closing issue. Defaults to 1,000.</summary>
    public int MaxIssuesPerReport { get; set; } = 1_000;

    /// <summary>
    /// How often a running run records that it is alive (its progress so far and <see cref="SyncReport.LastSeenAt"/>) in the run log.
    /// Defaults to 30 seconds.
    /// </summary>
    public TimeSpan RunHeartbeatInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a run recorded as running may go without a heartbeat before a new run of any stream, or another host's scheduler,
    /// closes it as <see cref="RunStatus.Abandoned"/> and counts it in the stream's health. Must be longer than
    /// <see cref="RunHeartbeatInterval"/> for runs on other hosts to be safe from it. Defaults to 2 minutes.
    /// </summary>
    public TimeSpan AbandonRunsAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long a run keeps retrying a store write that failed because the store could not be reached (a database restart, a
    /// dropped connection) before it fails with <see cref="IssueKind.StoreUnavailable"/>. Writes are retried with backoff from
    /// 250 ms to 2 s. <see cref="TimeSpan.Zero"/> turns retrying off. Defaults to 10 seconds.
    /// </summary>
    public TimeSpan StoreOutageTolerance { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The most records a run writes to the store in one transaction. A run gathers the pages it fetches (and a child stream the
    /// pages of its parents) until they hold this many, then writes them with the stream's state. Larger batches write faster
    /// and hold more in memory; a run that stops before a batch is written fetches its pages again next time. Defaults to 1,000.
    /// </summary>
    public int BatchRecords { get; set; } = 1_000;

    /// <summary>
    /// How long a run gathers pages before it writes them, whatever their number: a page that arrives this long after the last
    /// write is written at once, so a slow API still commits page by page. <see cref="TimeSpan.Zero"/> writes every page on
    /// its own. Defaults to 1 second.
    /// </summary>
    public TimeSpan BatchDelay { get; set; } = TimeSpan.FromSeconds(1);
}
