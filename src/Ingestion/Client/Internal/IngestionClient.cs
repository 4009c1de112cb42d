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
        var plan = new InlineDerivationPlan(derivation, request.InlineDerivations ?? derivation.Options.InlineDerivations);
        var options = new SyncOptions
        {
            Parameters = request.Parameters,
            IgnoreCheckpoint = request.IgnoreCheckpoint,
            DryRun = request.DryRun,
            WatermarkOverride = request.WatermarkOverride,
            Progress = request.Progress,
            OnChangedKeys = plan.AcceptAsync,
        };
        var reports = request.Stream is { } stream
            ? await runner.SyncStreamAsync(request.Source, stream, options, cancellationToken).ConfigureAwait(false)
            : await runner.SyncSourceAsync(request.Source, options, cancellationToken).ConfigureAwait(false);
        return await plan.FinishAsync(reports, cancellationToken).ConfigureAwait(false);
    }
}
