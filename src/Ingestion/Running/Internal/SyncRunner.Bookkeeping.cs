using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Ingestion.Queue.Internal;
using Ingestion.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Ingestion.Running.Internal;

/// <summary>How a run ends: the snapshot guard and soft deletes, the sync state, the run log and health.</summary>
internal sealed partial class SyncRunner
{
    private async Task<(SyncReport Report, bool SawEverything)> FinishRunAsync(StreamRun run, bool parentsComplete)
    {
        var stream = run.Stream;
        var sawEverything = parentsComplete && run.SawEverything;
        var guardTripped = false;
        long deleted = 0;

        if (stream.Mode == SyncMode.FullSnapshot && sawEverything)
        {
            (guardTripped, deleted) = await ApplySnapshotGuardAsync(run).ConfigureAwait(false);
            if (guardTripped && !run.DryRun && stream.SnapshotGuard.RetryAfter is { } retryAfter)
            {
                await QueueGuardRetryAsync(run, retryAfter).ConfigureAwait(false);
            }
        }
        else if (!run.DryRun && run.FansOut && stream.Mode == SyncMode.Incremental && sawEverything && run.MaxCursor is not null)
        {
            // Every parent's batches are committed: the shared watermark can move now, never earlier.
            var watermark = Watermarks.Max(run.State.Watermark, run.MaxCursor);
            await SaveStateAsync(run, run.State with { Watermark = watermark, UpdatedAt = _time.GetUtcNow() }).ConfigureAwait(false);
        }

        if (!run.DryRun && !run.FansOut && run.BudgetExhausted && run.BudgetCheckpoint is { } checkpoint)
        {
            await SaveStateAsync(run, run.State with { Checkpoint = checkpoint, UpdatedAt = _time.GetUtcNow() }).ConfigureAwait(false);
        }

        var status = run switch
        {
            { Cancelled: true } => RunStatus.Cancelled,
            { Unauthorized: true } or { ConfigurationFailed: true } or { StoreUnavailable: true } => RunStatus.Failed,
            { HadFailedPage: true, CompleteRecords: 0 } or { StoreFailed: true, CompleteRecords: 0 } => RunStatus.Failed,
            { HadFailedPage: true } or { StoreFailed: true } or { BudgetExhausted: true } or { StoppedEarly: true } => RunStatus.Partial,
            _ when guardTripped => RunStatus.Partial,
            _ => RunStatus.Succeeded,
        };

        if (status == RunStatus.Cancelled && !run.HasIssue(IssueKind.Cancelled))
        {
            run.AddIssue(new SyncIssue(IssueKind.Cancelled, "The run was cancelled; committed batches stay committed."));
        }

        var report = run.ToReport(status, _time.GetUtcNow(), guardTripped, deleted, run.FansOut ? Watermarks.Max(run.State.Watermark, run.MaxCursor) : run.State.Watermark);
        report = report with { LastSeenAt = report.CompletedAt };
        if (!run.DryRun)
        {
            await RecordRunAsync(run, report).ConfigureAwait(false);
        }

        var duration = report.Duration;
        var tags = Tags(run);
        tags.Add(IngestionTelemetry.StatusTag, status.ToString());
        IngestionTelemetry.SyncRunDuration.Record(duration.TotalSeconds, tags);
        SyncRunnerLog.RunFinished(_logger, report.RunId, run.Source.Name, stream.Name, status, report.Pages, report.Requests, report.RecordsFetched, report.RecordsNew, report.RecordsChanged, report.RecordsUnchanged, report.RecordsPartial, report.RecordsDeleted, report.Issues.Count, duration.TotalMilliseconds);
        if (run.Activity is { } activity)
        {
            activity.SetTag(IngestionTelemetry.StatusTag, status.ToString());
            activity.SetTag("ingestion.pages", report.Pages);
            activity.SetTag("ingestion.records", report.RecordsFetched);
            if (status == RunStatus.Failed)
            {
                activity.SetStatus(ActivityStatusCode.Error, report.Issues.FirstOrDefault(i => i.Severity != IssueSeverity.Info)?.Message);
            }

            activity.Dispose();
        }

        return (report, sawEverything && !guardTripped);
    }

    private async Task<(bool GuardTripped, long Deleted)> ApplySnapshotGuardAsync(StreamRun run)
    {
        var guard = run.Stream.SnapshotGuard;
        var count = run.CompleteRecords;
        var lastGood = run.State.LastGoodSnapshotCount;
        string? trippedBecause = null;
        if (guard.Enabled)
        {
            if (count == 0 && !guard.AllowEmpty)
            {
                trippedBecause = lastGood is { } last
                    ? $"The snapshot came back empty; the last good snapshot had {last} records. Nothing was marked deleted."
                    : "The snapshot came back empty. Nothing was marked deleted.";
            }
            else if (count > 0 && lastGood is > 0 && count < lastGood.Value * guard.MinimumRatio)
            {
                trippedBecause = $"The snapshot has {count} records, fewer than {guard.MinimumRatio:P0} of the last good snapshot's {lastGood}. Nothing was marked deleted.";
            }
        }

        if (trippedBecause is not null)
        {
            run.AddIssue(new SyncIssue(IssueKind.SnapshotGuardTripped, trippedBecause));
            SyncRunnerLog.GuardTripped(_logger, run.Source.Name, run.Stream.Name, count, lastGood);
            return (true, 0);
        }

        if (run.DryRun)
        {
            return (false, 0);
        }

        long deleted = 0;
        IReadOnlyList<string> deletedKeys = [];
        var now = _time.GetUtcNow();
        try
        {
            if (guard.SoftDeleteMissing)
            {
                foreach (var key in await _rawStore.ResolveMissingPartialsAsync(run.Id, run.StartedAt, now, run.UserCancellation).ConfigureAwait(false))
                {
                    run.AddIssue(new SyncIssue(IssueKind.PartialResolved, $"The partial record '{key}' of an earlier run was not met by this complete run, which fetched what it stood for: resolved.", key));
                }

                deleted = await _rawStore.MarkMissingDeletedAsync(run.Id, run.StartedAt, now, run.UserCancellation).ConfigureAwait(false);
                if (deleted > 0)
                {
                    // A deletion changes what was derived from the record, like an edit does: derivers hear of it as a changed key.
                    // Stores may keep times to the microsecond only: the bound is rounded down to one.
                    var since = run.StartedAt.AddTicks(-(run.StartedAt.UtcTicks % TimeSpan.TicksPerMicrosecond));
                    deletedKeys = await _rawStore.GetKeysDeletedSinceAsync(run.Id, since, run.UserCancellation).ConfigureAwait(false);
                    run.AddChangedKeys(deletedKeys);
                }
            }
        }
        catch (OperationCanceledException) when (run.UserCancellation.IsCancellationRequested)
        {
            run.MarkStopped();
            return (false, 0);
        }
#pragma warning disable CA1031 // Reported on the run; the records stay as they are.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            SyncRunnerLog.BatchFailed(_logger, exception, "the deletion of records missing from the snapshot", run.Source.Name, run.Stream.Name);
            run.MarkStoreFailed($"Marking missing records deleted failed ({exception.GetType().Name}: {exception.Message}).");
            return (false, 0);
        }

        await SaveStateAsync(run, run.State with { LastGoodSnapshotCount = count, LastGoodSnapshotAt = now, UpdatedAt = now }).ConfigureAwait(false);
        await HandOnChangedKeysAsync(run, deletedKeys, "the records this complete snapshot marked deleted", run.UserCancellation).ConfigureAwait(false);
        return (false, deleted);
    }

    // A tripped guard kept the last good snapshot; a later sync gets another chance at a good one.
    private async Task QueueGuardRetryAsync(StreamRun run, TimeSpan retryAfter)
    {
        if (_jobQueue is null)
        {
            run.AddIssue(new SyncIssue(IssueKind.SnapshotGuardTripped, $"No job queue is registered, so no retry was queued: sync {run.Id} again to replace the kept snapshot."));
            return;
        }

        var runAt = _time.GetUtcNow() + retryAfter;
        try
        {
            var payload = new SyncJobPayload { Source = run.Source.Name, Stream = run.Stream.Name, Trigger = "retry" }.ToJson();
            var queued = await _jobQueue.EnqueueAsync(
                new JobRequest { JobType = IngestionJobTypes.Sync, Payload = payload, RunAt = runAt, DedupKey = $"guard-retry:{run.Id}" },
                run.UserCancellation).ConfigureAwait(false);
            run.AddIssue(new SyncIssue(IssueKind.SnapshotGuardTripped, queued.Deduplicated
                ? $"A retry of {run.Id} was already queued (job {queued.JobId})."
                : $"A retry of {run.Id} was queued for {runAt:O} (job {queued.JobId})."));
        }
        catch (OperationCanceledException) when (run.UserCancellation.IsCancellationRequested)
        {
            run.MarkStopped();
        }
#pragma warning disable CA1031 // Reported on the run; the kept snapshot is unaffected.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            SyncRunnerLog.BookkeepingFailed(_logger, exception, run.Source.Name, run.Stream.Name);
            run.AddIssue(new SyncIssue(IssueKind.SnapshotGuardTripped, $"Queueing a retry of {run.Id} failed ({exception.GetType().Name}: {exception.Message}); sync the stream again."));
        }
    }

    private async Task SaveStateAsync(StreamRun run, SyncState state)
    {
        try
        {
            await _stateStore.SaveAsync(state, CancellationToken.None).ConfigureAwait(false);
            run.State = state;
        }
#pragma warning disable CA1031 // Reported on the run; committed batches are unaffected.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            SyncRunnerLog.BatchFailed(_logger, exception, "the sync state", run.Source.Name, run.Stream.Name);
            run.MarkStoreFailed($"Saving the sync state failed ({exception.GetType().Name}: {exception.Message}).");
        }
    }

    // The end of the run is recorded even when the run was cancelled, so the log never shows it running forever.
    private async Task RecordRunAsync(StreamRun run, SyncReport report)
    {
        try
        {
            // A run that failed because the store was down waits out a short outage once more to record how it ended. If the
            // store stays down, this process keeps the report and records it when its next run finds the store back; a process
            // that ends first leaves the row running, and a later run closes it as abandoned.
            try
            {
                await RetryWhileUnreachableAsync(run, async token => { await _runLog.SaveAsync(report, token).ConfigureAwait(false); return true; }, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception exception) when (StoreOutage.IsUnavailable(exception))
            {
                _liveness.KeepUnrecorded(report);
                throw;
            }

            if (report.Status != RunStatus.Cancelled)
            {
                await _liveness.CountInHealthAsync(report, CancellationToken.None).ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // The report is still returned to the caller.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            SyncRunnerLog.BookkeepingFailed(_logger, exception, run.Source.Name, run.Stream.Name);
        }
    }

    private async Task<IReadOnlyList<ParentValues>> LoadStoredParentsAsync(StreamPlan plan, ChildStreamPlan asChild, CancellationToken cancellationToken)
    {
        var parentId = new StreamId(plan.Source.Name, plan.Stream.Parent!.Stream);
        var parents = new List<ParentValues>();
        await foreach (var record in _rawStore.QueryLatestAsync(parentId, query: null, cancellationToken).ConfigureAwait(false))
        {
            if (!record.IsPartial && record.IsJson)
            {
                parents.Add(asChild.Capture(record.Key, record.Payload.Span));
            }
        }

        return parents;
    }

    private static void RecordOutcomes(StreamRun run, int @new, int changed, int unchanged, int partial)
    {
        Add(@new, "new");
        Add(changed, "changed");
        Add(unchanged, "unchanged");
        Add(partial, "partial");

        void Add(int count, string outcome)
        {
            if (count > 0)
            {
                var tags = Tags(run);
                tags.Add(IngestionTelemetry.OutcomeTag, outcome);
                IngestionTelemetry.SyncRecords.Add(count, tags);
            }
        }
    }

    private static string Unexpected(Exception exception) => $"The run stopped unexpectedly: {exception.GetType().Name}: {exception.Message}";

    private static TagList Tags(StreamRun run) => new()
    {
        { IngestionTelemetry.SourceTag, run.Source.Name },
        { IngestionTelemetry.StreamTag, run.Stream.Name },
    };

    private enum PageStep
    {
        Continue,

        /// <summary>This request chain ends (a failed page); other parents of a child stream go on.</summary>
        StopChain,

        /// <summary>The whole run ends (cancelled, budget exhausted, store failure).</summary>
        StopRun,
    }
}
