using System.Globalization;
using Ingestion.Client.Internal;
using Ingestion.Queue.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Ingestion.Workers.Internal;

/// <summary>
/// Runs <see cref="IngestionJobTypes.Sync"/> jobs through the <see cref="ISyncRunner"/>, queues derive jobs for the changed records
/// as each batch commits, and, for a scheduled run, reports the outcome to the schedule store (counting runs and consecutive
/// failures, disabling the schedule after too many). A run that reports failure completes the job (the next slot tries again);
/// a run that throws fails the attempt, and the job is retried.
/// A stream another run holds (<see cref="RunStatus.Skipped"/>) gets one follow-up job, due when that run's lease must have
/// ended if its host died, so work a dead host left is redone once; a follow-up that finds the stream held again is dropped,
/// because a live run is doing the work.
/// </summary>
internal sealed class SyncJobHandler(ISyncRunner runner, ChangedKeyDerivation derivation, TimeProvider time, IServiceProvider services) : IJobHandler
{
    /// <summary>The trigger of a sync job queued for a stream that was held by another run.</summary>
    internal const string AfterRunningTrigger = "after-running";

    public string JobType => IngestionJobTypes.Sync;

    public async ValueTask<string?> HandleAsync(ClaimedJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        SyncJobPayload payload;
        try
        {
            payload = SyncJobPayload.Parse(job.Payload);
        }
        catch (FormatException exception)
        {
            throw new PermanentJobFailureException(exception.Message, exception);
        }

        // Nobody waits on a queued run, so every changed record is derived by derive jobs, none inline. They are queued batch by
        // batch as the run commits, so a run of any size holds none of its keys.
        var options = new SyncOptions
        {
            Parameters = payload.Parameters,
            IgnoreCheckpoint = payload.IgnoreCheckpoint,
            OnChangedKeys = async (stream, keys, token) => await derivation.EnqueueAsync(stream, keys, token).ConfigureAwait(false),
        };
        IReadOnlyList<SyncReport> reports;
        try
        {
            reports = payload.Stream is { } stream
                ? await runner.SyncStreamAsync(payload.Source, stream, options, cancellationToken).ConfigureAwait(false)
                : await runner.SyncSourceAsync(payload.Source, options, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException exception)
        {
            // The source or stream is not registered (or was removed): retrying cannot help.
            await RecordAsync(payload, succeeded: false, exception.Message, CancellationToken.None).ConfigureAwait(false);
            throw new PermanentJobFailureException(exception.Message, exception);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            await RecordAsync(payload, succeeded: false, $"{exception.GetType().Name}: {exception.Message}", CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        var failed = reports.Where(report => report.Status == RunStatus.Failed).ToList();
        var error = failed.Count == 0
            ? null
            : string.Join("; ", failed.Select(report =>
                $"{report.Stream}: {report.Issues.FirstOrDefault()?.Message ?? "the run failed"}"));
        var skipped = reports.Where(report => report.Status == RunStatus.Skipped).ToList();
        await FollowUpAsync(payload, skipped, cancellationToken).ConfigureAwait(false);
        await RecordAsync(payload, failed.Count == 0, error, cancellationToken).ConfigureAwait(false);
        var skippedPart = skipped.Count == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $$""","skipped":{{skipped.Count}}""");
        return string.Create(
            CultureInfo.InvariantCulture,
            $$"""{"runs":{{reports.Count}},"failed":{{failed.Count}}{{skippedPart}},"records":{{reports.Sum(report => report.RecordsFetched)}}}""");
    }

    private async Task FollowUpAsync(SyncJobPayload payload, List<SyncReport> skipped, CancellationToken cancellationToken)
    {
        if (skipped.Count == 0 || payload.Trigger == AfterRunningTrigger || services.GetService<IJobQueue>() is not { } queue)
        {
            return;
        }

        // A lease not renewed lasts AbandonRunsAfter at most, so by then a dead holder's stream is free.
        var runAt = time.GetUtcNow() + (services.GetService<IOptions<SyncRunnerOptions>>()?.Value ?? new SyncRunnerOptions()).AbandonRunsAfter;
        var followUps = skipped.Select(report => new JobRequest
        {
            JobType = IngestionJobTypes.Sync,
            Payload = new SyncJobPayload
            {
                Source = report.Stream.Source,
                Stream = report.Stream.Stream,
                Trigger = AfterRunningTrigger,
                IgnoreCheckpoint = payload.IgnoreCheckpoint,
                Parameters = payload.Parameters,
            }.ToJson(),
            RunAt = runAt,
            DedupKey = $"{AfterRunningTrigger}:{report.Stream.Source}/{report.Stream.Stream}",
        }).ToList();
        await queue.EnqueueManyAsync(followUps, cancellationToken).ConfigureAwait(false);
    }

    private async Task RecordAsync(SyncJobPayload payload, bool succeeded, string? error, CancellationToken cancellationToken)
    {
        if (payload.Schedule is not { } schedule || services.GetService<IScheduleStore>() is not { } store)
        {
            return;
        }

        var options = services.GetService<IOptions<SchedulerOptions>>()?.Value ?? new SchedulerOptions();
        await store.RecordOutcomeAsync(
            schedule,
            new ScheduleRunOutcome
            {
                Succeeded = succeeded,
                FinishedAt = time.GetUtcNow(),
                Error = error,
                DisableAfterFailures = options.DisableOnFailure ? options.MaxConsecutiveFailures : null,
            },
            cancellationToken).ConfigureAwait(false);
    }
}
