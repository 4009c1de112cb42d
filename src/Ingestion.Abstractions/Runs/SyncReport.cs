namespace Ingestion;

/// <summary>How a run ended.</summary>
public enum RunStatus
{
    /// <summary>The run is still going.</summary>
    Running,

    /// <summary>Everything was fetched and stored.</summary>
    Succeeded,

    /// <summary>Something was stored but not everything: failed pages or children, a tripped guard, an exhausted budget. See the issues.</summary>
    Partial,

    /// <summary>Nothing usable was fetched (for example authentication failed).</summary>
    Failed,

    /// <summary>The run was cancelled.</summary>
    Cancelled,

    /// <summary>
    /// The run stopped without finishing (its process died, or it lost the database) and was closed later by another run
    /// or host once its heartbeat had gone quiet (see the engine's <c>SyncRunnerOptions.AbandonRunsAfter</c>). Counts as a failure.
    /// </summary>
    Abandoned,

    /// <summary>
    /// The run did not start: another run of the stream, on this host or another, holds the stream's lease (see
    /// <see cref="IStreamLeases"/> and the <see cref="IssueKind.AlreadyRunning"/> issue). Nothing was fetched or written; the
    /// report is not kept in the run log and does not count in the stream's health.
    /// </summary>
    Skipped,
}

/// <summary>The report of one stream run, kept in the run log.</summary>
public sealed record SyncReport
{
    /// <summary>The run's id.</summary>
    public required Guid RunId { get; init; }

    /// <summary>The stream.</summary>
    public required StreamId Stream { get; init; }

    /// <summary>How the run ended.</summary>
    public required RunStatus Status { get; init; }

    /// <summary>When the run started.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>When the run ended, or <see langword="null"/> while running.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>
    /// When the run was last known alive: its start, each heartbeat while it runs, its end. For an <see cref="RunStatus.Abandoned"/>
    /// run, the last sign of life before it stopped.
    /// </summary>
    public DateTimeOffset? LastSeenAt { get; init; }

    /// <summary>How long the run took.</summary>
    public TimeSpan Duration => CompletedAt is { } end ? end - StartedAt : TimeSpan.Zero;

    /// <summary>Whether the run wrote nothing (dry run).</summary>
    public bool DryRun { get; init; }

    /// <summary>HTTP requests made, including retries.</summary>
    public int Requests { get; init; }

    /// <summary>Pages fetched.</summary>
    public int Pages { get; init; }

    /// <summary>Records fetched.</summary>
    public long RecordsFetched { get; init; }

    /// <summary>Records seen for the first time.</summary>
    public long RecordsNew { get; init; }

    /// <summary>Records whose content changed.</summary>
    public long RecordsChanged { get; init; }

    /// <summary>Records whose content was unchanged.</summary>
    public long RecordsUnchanged { get; init; }

    /// <summary>Partial records stored.</summary>
    public long RecordsPartial { get; init; }

    /// <summary>Records soft-deleted because they were missing from a complete snapshot.</summary>
    public long RecordsDeleted { get; init; }

    /// <summary>
    /// Whether the snapshot guard tripped: a full snapshot came back empty or much smaller than the last good one,
    /// nothing was marked deleted, and the stream should be synced again soon.
    /// </summary>
    public bool GuardTripped { get; init; }

    /// <summary>Pages that failed for good while paging went on after them (their <see cref="IssueKind.PageSkipped"/> issues name them).</summary>
    public int PagesSkipped => Issues.Count(issue => issue.Kind == IssueKind.PageSkipped);

    /// <summary>
    /// Partial records of earlier runs that this complete run no longer met, so resolved rather than deleted (their
    /// <see cref="IssueKind.PartialResolved"/> issues name them); not counted in <see cref="RecordsDeleted"/>.
    /// </summary>
    public int RecordsResolved => Issues.Count(issue => issue.Kind == IssueKind.PartialResolved);

    /// <summary>The watermark after the run.</summary>
    public string? Watermark { get; init; }

    /// <summary>What went wrong or looked wrong.</summary>
    public IReadOnlyList<SyncIssue> Issues { get; init; } = [];

    /// <summary>
    /// The keys that are new or changed (or soft-deleted by a complete snapshot), for derivation; empty when the run handed them
    /// to <see cref="SyncOptions.OnChangedKeys"/> as it went. Not kept in the run log.
    /// </summary>
    public IReadOnlyList<string> ChangedKeys { get; init; } = [];
}

/// <summary>Progress of a running sync, for callers that show it.</summary>
/// <param name="Stream">The stream.</param>
/// <param name="Pages">Pages fetched so far.</param>
/// <param name="Records">Records fetched so far.</param>
/// <param name="Requests">Requests made so far.</param>
/// <param name="Elapsed">Time since the run started.</param>
public readonly record struct SyncProgress(StreamId Stream, int Pages, long Records, int Requests, TimeSpan Elapsed);

/// <summary>Options of one sync run.</summary>
public sealed class SyncOptions
{
    /// <summary>Fetch and report but write nothing (records, state, health, run log).</summary>
    public bool DryRun { get; init; }

    /// <summary>Receives progress after each page.</summary>
    public IProgress<SyncProgress>? Progress { get; init; }

    /// <summary>Start from this watermark instead of the stored one (backfill); <see langword="null"/> to use the stored one.</summary>
    public string? WatermarkOverride { get; init; }

    /// <summary>Ignore a stored checkpoint and start from the first page.</summary>
    public bool IgnoreCheckpoint { get; init; }

    /// <summary>Parameters passed to <see cref="StreamDefinition.PrepareRequest"/> (for example <c>from</c>, <c>to</c>, <c>group</c>).</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>Whether child streams of the synced stream run too. Defaults to <see langword="true"/>.</summary>
    public bool IncludeChildren { get; init; } = true;

    /// <summary>
    /// Receives the new and changed keys of each batch once the batch is committed, and at the end of a complete snapshot the
    /// keys it soft-deleted, with the stream they belong to. When set, <see cref="SyncReport.ChangedKeys"/> stays empty, so a
    /// run holds none of its keys however many records it writes; when <see langword="null"/> (the default), the report lists
    /// them all. A handler that throws stops the run, which reports it: its batch stays committed.
    /// </summary>
    public Func<StreamId, IReadOnlyList<string>, CancellationToken, ValueTask>? OnChangedKeys { get; init; }
}

/// <summary>Runs stream syncs: pages → records → raw-store batches → state, with a report.</summary>
public interface ISyncRunner
{
    /// <summary>Syncs one stream (and, by default, its child streams).</summary>
    /// <param name="source">The source name.</param>
    /// <param name="stream">The stream name.</param>
    /// <param name="options">Run options, or <see langword="null"/> for defaults.</param>
    /// <param name="cancellationToken">Stops the run cleanly; what was committed stays committed.</param>
    /// <returns>One report per stream run: the stream's first, then its children's.</returns>
    /// <exception cref="ArgumentException">The source or stream is not registered.</exception>
    Task<IReadOnlyList<SyncReport>> SyncStreamAsync(string source, string stream, SyncOptions? options, CancellationToken cancellationToken);

    /// <summary>Syncs every top-level stream of a source, each with its children. A failing stream does not stop the others.</summary>
    /// <param name="source">The source name.</param>
    /// <param name="options">Run options, or <see langword="null"/> for defaults.</param>
    /// <param name="cancellationToken">Stops the run cleanly.</param>
    /// <returns>One report per stream run.</returns>
    /// <exception cref="ArgumentException">The source is not registered.</exception>
    Task<IReadOnlyList<SyncReport>> SyncSourceAsync(string source, SyncOptions? options, CancellationToken cancellationToken);
}
