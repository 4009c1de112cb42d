using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ingestion.Dashboard.Internal;

/// <summary>The actions the dashboard and the API share: each checks its target, acts, and logs who asked.</summary>
internal sealed class IngestionOperations(IServiceProvider services, ILogger<IngestionOperations> logger)
{
    public async Task<(bool Ok, string Message, SyncNowResult? Result)> SyncNowAsync(string source, string? stream, SyncNowMode mode, string who, CancellationToken cancellationToken)
    {
        var catalog = services.GetRequiredService<ISourceCatalog>();
        if (catalog.Find(source) is not { } definition)
        {
            return (false, $"Unknown source '{source}'.", null);
        }

        if (stream is not null && definition.Streams.All(s => s.Name != stream))
        {
            return (false, $"Source '{source}' has no stream '{stream}'.", null);
        }

        OperationsLog.SyncNow(logger, source, stream ?? "*", mode, who);
        var result = await services.GetRequiredService<IIngestionClient>()
            .SyncNowAsync(new SyncNowRequest { Source = source, Stream = stream, Mode = mode }, cancellationToken).ConfigureAwait(false);
        var what = stream is null ? source : $"{source}/{stream}";
        var message = mode == SyncNowMode.Background
            ? result.AlreadyQueued ? $"A sync of {what} is already queued (job {result.SyncJobId})." : $"Sync of {what} queued (job {result.SyncJobId})."
            : $"Sync of {what} finished: {string.Join(", ", result.Reports.Select(r => $"{r.Stream.Stream} {r.Status}"))}.";
        return (true, message, result);
    }

    public async Task<(bool Ok, string Message)> RetryNowAsync(string source, string stream, string? key, string who, CancellationToken cancellationToken)
    {
        var id = new StreamId(source, stream);
        var time = services.GetRequiredService<TimeProvider>();
        var count = await services.GetRequiredService<IRetryLog>().MakeRetryDueAsync(id, key, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        OperationsLog.RetryNow(logger, id, key ?? "*", count, who);

        // The retry job takes every due key; its dedup key makes a second click while one waits a no-op.
        await services.GetRequiredService<IJobQueue>()
            .EnqueueAsync(new JobRequest { JobType = IngestionJobTypes.RetryPartials, DedupKey = IngestionJobTypes.RetryPartials }, cancellationToken)
            .ConfigureAwait(false);
        return (true, count == 0
            ? $"No waiting partial record of {id}{(key is null ? string.Empty : $" key {key}")} had to be made due; a retry run is queued."
            : $"{count} partial records of {id} are due now; a retry run is queued.");
    }

    public async Task<(bool Ok, string Message)> RequeueAsync(long jobId, string who, CancellationToken cancellationToken)
    {
        var requeued = await services.GetRequiredService<IJobQueue>().RequeueDeadAsync(jobId, cancellationToken).ConfigureAwait(false);
        var message = requeued ? $"Job {jobId} is queued again." : $"Job {jobId} was not requeued: it is not dead, or a job with its dedup key is waiting.";
        OperationsLog.Requeue(logger, jobId, requeued ? "requeued" : "refused", who);
        return (requeued, message);
    }

    public async Task<(bool Ok, string Message)> SetScheduleEnabledAsync(string name, bool enabled, string who, CancellationToken cancellationToken)
    {
        if (services.GetService<IScheduleStore>() is not { } store)
        {
            return (false, "No schedule store is registered (AddScheduler).");
        }

        var changed = await store.SetEnabledAsync(name, enabled, enabled ? null : $"Disabled from the dashboard by {who}.", cancellationToken).ConfigureAwait(false);
        var change = enabled ? "enabled" : "disabled";
        OperationsLog.Schedule(logger, name, change, changed ? "done" : "no such schedule", who);
        return (changed, changed ? $"Schedule {name} {change}." : $"No schedule named '{name}'.");
    }
}
