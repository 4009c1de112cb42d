namespace Ingestion;

/// <summary>Keeps the reports of runs.</summary>
public interface IRunLog
{
    /// <summary>Records a run's start (status <see cref="RunStatus.Running"/>) or its final report; the same run id overwrites.</summary>
    /// <param name="report">The report.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when it is saved.</returns>
    ValueTask SaveAsync(SyncReport report, CancellationToken cancellationToken);

    /// <summary>Reads a run.</summary>
    /// <param name="runId">The run id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The report, or <see langword="null"/>.</returns>
    ValueTask<SyncReport?> GetAsync(Guid runId, CancellationToken cancellationToken);

    /// <summary>Reads the most recent runs, newest first.</summary>
    /// <param name="stream">Only this stream's runs, or <see langword="null"/> for all.</param>
    /// <param name="limit">The most runs to return.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The reports.</returns>
    ValueTask<IReadOnlyList<SyncReport>> GetRecentAsync(StreamId? stream, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Reads the runs still recorded as <see cref="RunStatus.Running"/>, so that runs whose process died can be closed. The default
    /// implementation filters the most recent 1,000 runs; a store with an index on the status should override it.
    /// </summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The running runs, in any order.</returns>
    async ValueTask<IReadOnlyList<SyncReport>> GetRunningAsync(CancellationToken cancellationToken)
    {
        var recent = await GetRecentAsync(null, 1_000, cancellationToken).ConfigureAwait(false);
        return [.. recent.Where(report => report.Status == RunStatus.Running)];
    }
}
