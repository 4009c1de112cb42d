namespace Ingestion;

/// <summary>How the operations dashboard behaves (<c>MapIngestionDashboard</c>).</summary>
public sealed class IngestionDashboardOptions
{
    /// <summary>The page title. Defaults to <c>Ingestion</c>.</summary>
    public string Title { get; set; } = "Ingestion";

    /// <summary>
    /// Whether the dashboard only shows: no Sync now, Retry now, Requeue or Enable/Disable buttons are rendered and every
    /// action answers 403. Defaults to <see langword="false"/>.
    /// </summary>
    public bool ReadOnly { get; set; }

    /// <summary>
    /// How "Sync now" runs a sync. Defaults to <see cref="SyncNowMode.Background"/>: the sync is queued for the workers
    /// (<c>AddWorker</c>) and the page returns at once. <see cref="SyncNowMode.Interactive"/> runs it inside the request,
    /// for hosts without workers.
    /// </summary>
    public SyncNowMode SyncNowMode { get; set; } = SyncNowMode.Background;

    /// <summary>How many runs the runs page lists at most. Defaults to 100.</summary>
    public int RunsPageSize { get; set; } = 100;

    /// <summary>How many recent runs each stream's chart draws. Defaults to 20.</summary>
    public int ChartRuns { get; set; } = 20;
}
