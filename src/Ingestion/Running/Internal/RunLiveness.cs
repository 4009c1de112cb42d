using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Ingestion.Running.Internal;

/// <summary>
/// Keeps the run log honest about runs that die: a running run records a heartbeat as it commits batches, and a run whose heartbeat has gone
/// quiet for longer than <see cref="SyncRunnerOptions.AbandonRunsAfter"/> is closed as <see cref="RunStatus.Abandoned"/>
/// (when the next run starts, or by a scheduler on any host) and counted in its stream's health.
/// </summary>
internal sealed class RunLiveness(IRunLog runLog, IHealthStore healthStore, IRawStore rawStore, TimeProvider time, IOptions<SyncRunnerOptions> runnerOptions, ILoggerFactory? loggerFactory = null)
{
    private readonly SyncRunnerOptions options = runnerOptions.Value;
    private readonly ILogger logger = (ILogger?)loggerFactory?.CreateLogger<RunLiveness>() ?? NullLogger.Instance;

    // Final reports the run log refused (the store was down when the run ended), recorded as soon as it answers again.
    private readonly System.Collections.Concurrent.ConcurrentQueue<SyncReport> _unrecorded = new();

    /// <summary>Keeps a final report the run log could not take, so this process records it (with its health) once the store is back.</summary>
    public void KeepUnrecorded(SyncReport report) => _unrecorded.Enqueue(report);

    /// <summary>Records the final reports kept by <see cref="KeepUnrecorded"/>; one that still fails stays kept for the next try.</summary>
    public async Task RecordKeptReportsAsync(CancellationToken cancellationToken)
    {
        for (var pending = _unrecorded.Count; pending > 0 && _unrecorded.TryDequeue(out var report); pending--)
        {
            try
            {
                await runLog.SaveAsync(report, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                _unrecorded.Enqueue(report);
                throw;
            }

            if (report.Status != RunStatus.Cancelled)
            {
                await CountInHealthAsync(report, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Updates the stream's health with a finished run.</summary>
    public async Task CountInHealthAsync(SyncReport report, CancellationToken cancellationToken)
    {
        var previous = await healthStore.GetAsync(report.Stream, cancellationToken).ConfigureAwait(false);
        var itemCount = await rawStore.CountLatestAsync(report.Stream, cancellationToken).ConfigureAwait(false);
        await healthStore.SaveAsync(HealthEvaluator.Evaluate(previous, report, itemCount, Math.Max(1, options.UnhealthyAfterConsecutiveFailures)), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes every run recorded as running whose last sign of life is older than the abandon threshold.</summary>
    /// <param name="closedBy">The run that noticed, named in the closing issue; <see langword="null"/> for a sweep.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The closed runs.</returns>
    public async Task<IReadOnlyList<SyncReport>> CloseAbandonedAsync(Guid? closedBy, CancellationToken cancellationToken)
    {
        var running = await runLog.GetRunningAsync(cancellationToken).ConfigureAwait(false);
        var threshold = time.GetUtcNow() - options.AbandonRunsAfter;
        var closed = new List<SyncReport>();
        foreach (var run in running)
        {
            var lastSeen = run.LastSeenAt ?? run.StartedAt;
            if (run.Status != RunStatus.Running || run.RunId == closedBy || lastSeen > threshold)
            {
                continue;
            }

            var notice = closedBy is { } by
                ? $"The run stopped without finishing (its process died or lost the store); it was last seen at {lastSeen:O} and was closed by run {by}."
                : $"The run stopped without finishing (its process died or lost the store); it was last seen at {lastSeen:O} and was closed by a later check.";
            var abandoned = run with
            {
                Status = RunStatus.Abandoned,
                CompletedAt = lastSeen,
                Issues = [.. run.Issues, new SyncIssue(IssueKind.RunAbandoned, notice)],
            };
            await runLog.SaveAsync(abandoned, cancellationToken).ConfigureAwait(false);
            await CountInHealthAsync(abandoned, cancellationToken).ConfigureAwait(false);
            SyncRunnerLog.RunAbandoned(logger, run.RunId, run.Stream.Source, run.Stream.Stream, lastSeen);
            closed.Add(abandoned);
        }

        return closed;
    }

    /// <summary>
    /// Records the run's progress and <see cref="SyncReport.LastSeenAt"/> when a heartbeat is due. Called as batches commit (not
    /// from a timer), so a run is alive in the log exactly as long as it makes progress, and a heartbeat never races its final report.
    /// </summary>
    public async Task BeatIfDueAsync(StreamRun run, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (!run.TryClaimHeartbeat(now, options.RunHeartbeatInterval))
        {
            return;
        }

        try
        {
            var report = run.ToReport(RunStatus.Running, completedAt: null, guardTripped: false, deleted: 0, run.State.Watermark) with { LastSeenAt = now };
            await runLog.SaveAsync(report, cancellationToken).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A missed heartbeat is only a late sign of life; the run goes on.
        catch (Exception exception) when (exception is not OperationCanceledException)
#pragma warning restore CA1031
        {
            SyncRunnerLog.HeartbeatFailed(logger, exception, run.RunId, run.Source.Name, run.Stream.Name);
        }
    }
}
