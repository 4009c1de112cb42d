using Microsoft.Extensions.DependencyInjection;

namespace Ingestion.Dashboard.Internal;

/// <summary>One stream's row on the dashboard.</summary>
internal sealed record StreamRow(
    StreamId Stream,
    StreamHealth? Health,
    IReadOnlyList<SyncReport> RecentRuns,
    IReadOnlyList<ScheduleState> Schedules);

/// <summary>Everything the overview shows, read from the registered stores (PostgreSQL or in memory alike).</summary>
internal sealed record DashboardSnapshot(
    IReadOnlyList<StreamRow> Streams,
    QueueStats Queue,
    IReadOnlyList<JobInfo> DeadJobs,
    IReadOnlyList<RetryCandidate> RetriesWaiting,
    IReadOnlyList<RetryCandidate> RetriesGivenUp,
    IReadOnlyList<ScheduleState> Schedules,
    DateTimeOffset Now)
{
    public static async Task<DashboardSnapshot> ReadAsync(IServiceProvider services, int chartRuns, CancellationToken cancellationToken)
    {
        var catalog = services.GetRequiredService<ISourceCatalog>();
        var health = await services.GetRequiredService<IHealthStore>().GetAllAsync(cancellationToken).ConfigureAwait(false);
        var runLog = services.GetRequiredService<IRunLog>();
        var retries = services.GetService<IRetryLog>();
        var queue = services.GetRequiredService<IJobQueue>();
        var time = services.GetRequiredService<TimeProvider>();
        var schedules = services.GetService<IScheduleStore>() is { } store
            ? await store.GetAllAsync(cancellationToken).ConfigureAwait(false)
            : [];

        var ids = catalog.Sources.SelectMany(source => source.Streams.Select(stream => new StreamId(source.Name, stream.Name)))
            .Concat(health.Select(h => h.Stream))
            .Distinct()
            .OrderBy(id => id.Source, StringComparer.Ordinal).ThenBy(id => id.Stream, StringComparer.Ordinal)
            .ToList();
        var rows = new List<StreamRow>(ids.Count);
        foreach (var id in ids)
        {
            var runs = await runLog.GetRecentAsync(id, chartRuns, cancellationToken).ConfigureAwait(false);
            rows.Add(new StreamRow(
                id,
                health.FirstOrDefault(h => h.Stream == id),
                runs,
                [.. schedules.Where(s => s.Definition.Source == id.Source && (s.Definition.Stream is null || s.Definition.Stream == id.Stream))]));
        }

        var now = time.GetUtcNow();
        return new DashboardSnapshot(
            rows,
            await queue.GetStatsAsync(cancellationToken).ConfigureAwait(false),
            await queue.GetJobsAsync(JobStatus.Dead, 50, cancellationToken).ConfigureAwait(false),
            retries is null ? [] : await retries.GetRecordsNeedingRetryAsync(DateTimeOffset.MaxValue, 100, cancellationToken).ConfigureAwait(false),
            retries is null ? [] : await retries.GetRetriesGivenUpAsync(100, cancellationToken).ConfigureAwait(false),
            schedules,
            now);
    }
}
