namespace Ingestion;

/// <summary>How a manual run treats derivation.</summary>
public enum SyncNowMode
{
    /// <summary>
    /// A person is waiting: sync now, derive the first <see cref="IngestionClientOptions.InlineDerivations"/> changed keys inline,
    /// queue <see cref="IngestionJobTypes.Derive"/> jobs for the rest, and return the report.
    /// </summary>
    Interactive,

    /// <summary>Nobody is waiting: enqueue an <see cref="IngestionJobTypes.Sync"/> job and return its id at once.</summary>
    Background,
}

/// <summary>A manual run of a source or one stream.</summary>
public sealed class SyncNowRequest
{
    /// <summary>The source name.</summary>
    public required string Source { get; init; }

    /// <summary>The stream name, or <see langword="null"/> for every top-level stream of the source.</summary>
    public string? Stream { get; init; }

    /// <summary>Interactive (the default) or background.</summary>
    public SyncNowMode Mode { get; init; } = SyncNowMode.Interactive;

    /// <summary>Run parameters (see <see cref="SyncOptions.Parameters"/>).</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>Start from the first page instead of a stored checkpoint.</summary>
    public bool IgnoreCheckpoint { get; init; }

    /// <summary>Overrides <see cref="IngestionClientOptions.InlineDerivations"/> for this run; <see langword="null"/> to use it.</summary>
    public int? InlineDerivations { get; init; }

    /// <summary>Interactive runs only: fetch and report but write nothing, and derive nothing (see <see cref="SyncOptions.DryRun"/>).</summary>
    public bool DryRun { get; init; }

    /// <summary>Interactive runs only: start from this watermark instead of the stored one (see <see cref="SyncOptions.WatermarkOverride"/>).</summary>
    public string? WatermarkOverride { get; init; }

    /// <summary>Interactive runs only: receives progress after each page (see <see cref="SyncOptions.Progress"/>).</summary>
    public IProgress<SyncProgress>? Progress { get; init; }
}

/// <summary>What a manual run did.</summary>
public sealed record SyncNowResult
{
    /// <summary>The mode the run used.</summary>
    public required SyncNowMode Mode { get; init; }

    /// <summary>
    /// The stream reports of an interactive run (empty for a background run). Their <see cref="SyncReport.ChangedKeys"/> are
    /// empty: the run hands the keys to derivation batch by batch as it commits them.
    /// </summary>
    public IReadOnlyList<SyncReport> Reports { get; init; } = [];

    /// <summary>The sync job of a background run, or <see langword="null"/>.</summary>
    public long? SyncJobId { get; init; }

    /// <summary>Whether the background sync job was already queued (same source and stream) and that job was returned.</summary>
    public bool AlreadyQueued { get; init; }

    /// <summary>
    /// Changed record keys derived inline: at least one deriver mapped the key to an input and derived it, and none failed.
    /// Keys taken inline that no deriver derived are counted in <see cref="SkippedInline"/>, failed ones in
    /// <see cref="DerivationErrors"/> and <see cref="QueuedForDerivation"/>.
    /// </summary>
    public int DerivedInline { get; init; }

    /// <summary>
    /// Changed record keys taken inline that no deriver derived: the latest version is partial, not JSON or gone, or no
    /// deriver maps the key to an input. They are not queued either, since a queued derivation would skip them the same way.
    /// </summary>
    public int SkippedInline { get; init; }

    /// <summary>Changed record keys queued for derivation.</summary>
    public int QueuedForDerivation { get; init; }

    /// <summary>The <see cref="IngestionJobTypes.Derive"/> jobs enqueued.</summary>
    public IReadOnlyList<long> DeriveJobIds { get; init; } = [];

    /// <summary>Inline derivations that failed (their keys were queued instead), as messages naming the deriver and key.</summary>
    public IReadOnlyList<string> DerivationErrors { get; init; } = [];
}

/// <summary>Starts syncs now, for a person waiting on a screen or a script: the seeds' "Sync now" button.</summary>
public interface IIngestionClient
{
    /// <summary>Syncs a source or stream now (interactive) or queues it (background).</summary>
    /// <param name="request">What to sync, and how.</param>
    /// <param name="cancellationToken">Stops the run; what was committed stays committed.</param>
    /// <returns>The reports and what was derived and queued, or the queued job.</returns>
    /// <exception cref="ArgumentException">The source or stream is not registered.</exception>
    Task<SyncNowResult> SyncNowAsync(SyncNowRequest request, CancellationToken cancellationToken);
}

/// <summary>Options of the <see cref="IIngestionClient"/> and derivation jobs. Validated at start-up.</summary>
public sealed class IngestionClientOptions
{
    /// <summary>Changed keys an interactive run derives inline before queueing the rest. Defaults to 5; 0 queues everything.</summary>
    public int InlineDerivations { get; set; } = 5;

    /// <summary>Changed keys per queued <see cref="IngestionJobTypes.Derive"/> job. Defaults to 100.</summary>
    public int DeriveBatchSize { get; set; } = 100;

    /// <summary>The priority of queued derive jobs. Defaults to 0.</summary>
    public int DerivePriority { get; set; }

    /// <summary>Attempts of a derive job before it is dead. Defaults to 3.</summary>
    public int DeriveMaxAttempts { get; set; } = 3;

    /// <summary>The priority of background sync jobs started by the client. Defaults to 5, above scheduled work.</summary>
    public int SyncPriority { get; set; } = 5;
}
