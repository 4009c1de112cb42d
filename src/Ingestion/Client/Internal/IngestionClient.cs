using Ingestion.Queue.Internal;
using Microsoft.Extensions.DependencyInjection;

namespace Ingestion.Client.Internal;

internal sealed class IngestionClient(IServiceProvider services, ISourceCatalog catalog, ChangedKeyDerivation derivation) : IIngestionClient
{
    public async Task<SyncNowResult> SyncNowAsync(SyncNowRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var source = catalog.Find(request.Source) ?? throw new ArgumentException($"The source '{request.Source}' is not registered.", nameof(request));
        if (request.Stream is { } streamName && !source.Streams.Any(s => s.Name == streamName))
        {
            throw new ArgumentException($"The source '{request.Source}' has no stream '{streamName}'.", nameof(request));
        }

        if (request.InlineDerivations is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(request), "InlineDerivations must be 0 or more.");
        }

        return request.Mode == SyncNowMode.Background
            ? await EnqueueSyncAsync(request, cancellationToken).ConfigureAwait(false)
            : await RunInteractiveAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private async Task<SyncNowResult> EnqueueSyncAsync(SyncNowRequest request, CancellationToken cancellationToken)
    {
        var queue = services.GetService<IJobQueue>()
            ?? throw new InvalidOperationException("No IJobQueue is registered, so a background sync cannot be queued: call UsePostgres(...) or register a job queue.");
        var payload = new SyncJobPayload
        {
            Source = request.Source,
            Stream = request.Stream,
            Trigger = "manual",
            IgnoreCheckpoint = request.IgnoreCheckpoint,
            Parameters = request.Parameters,
        };
        var result = await queue.EnqueueAsync(
            new JobRequest
            {
                JobType = IngestionJobTypes.Sync,
                Payload = payload.ToJson(),
                Priority = derivation.Options.SyncPriority,
                // A second click while the first run waits returns the same job; runs with parameters are not merged.
                DedupKey = request.Parameters.Count == 0 && !request.IgnoreCheckpoint ? $"sync:manual:{request.Source}/{request.Stream ?? "*"}" : null,
            },
            cancellationToken).ConfigureAwait(false);
        return new SyncNowResult { Mode = SyncNowMode.Background, SyncJobId = result.JobId, AlreadyQueued = result.Deduplicated };
    }

    private async Task<SyncNowResult> RunInteractiveAsync(SyncNowRequest request, CancellationToken cancellationToken)
    {
        var runner = services.GetRequiredService<ISyncRunner>();
        var options = new SyncOptions
        {
            Parameters = request.Parameters,
            IgnoreCheckpoint = request.IgnoreCheckpoint,
            DryRun = request.DryRun,
            WatermarkOverride = request.WatermarkOverride,
            Progress = request.Progress,
        };
        var reports = request.Stream is { } stream
            ? await runner.SyncStreamAsync(request.Source, stream, options, cancellationToken).ConfigureAwait(false)
            : await runner.SyncSourceAsync(request.Source, options, cancellationToken).ConfigureAwait(false);

        var budget = request.InlineDerivations ?? derivation.Options.InlineDerivations;
        var derivedInline = 0;
        var skippedInline = 0;
        var queuedKeys = 0;
        var jobIds = new List<long>();
        var errors = new List<string>();
        foreach (var report in reports)
        {
            // A dry run wrote nothing, so there is nothing to derive from.
            if (report.DryRun || report.ChangedKeys.Count == 0 || !derivation.HasDerivers(report.Stream))
            {
                continue;
            }

            var inline = report.ChangedKeys.Take(budget).ToList();
            var rest = report.ChangedKeys.Skip(inline.Count).ToList();
            budget -= inline.Count;
            if (inline.Count > 0)
            {
                var outcome = await derivation.DeriveAsync(report.Stream, inline, "inline", cancellationToken).ConfigureAwait(false);
                errors.AddRange(outcome.Errors);
                derivedInline += outcome.Derived.Count;
                skippedInline += outcome.Skipped.Count;
                // A key whose inline derivation failed goes to the queue, which retries it.
                rest.InsertRange(0, outcome.Failed);
            }

            queuedKeys += rest.Count;
            jobIds.AddRange(await derivation.EnqueueAsync(report.Stream, rest, cancellationToken).ConfigureAwait(false));
        }

        return new SyncNowResult
        {
            Mode = SyncNowMode.Interactive,
            Reports = reports,
            DerivedInline = derivedInline,
            SkippedInline = skippedInline,
            QueuedForDerivation = queuedKeys,
            DeriveJobIds = jobIds,
            DerivationErrors = errors,
        };
    }
}
