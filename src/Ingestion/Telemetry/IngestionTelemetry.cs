using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Ingestion.Telemetry;

/// <summary>
/// The library's <see cref="ActivitySource"/> and <see cref="Meter"/>, both named <c>Ingestion</c>, and the
/// instruments recorded on them. Tags carry source, stream and outcome names only, never URLs or credentials.
/// </summary>
internal static class IngestionTelemetry
{
    public const string Name = "Ingestion";

    public const string SourceTag = "ingestion.source";
    public const string StreamTag = "ingestion.stream";
    public const string StatusTag = "ingestion.status";
    public const string OutcomeTag = "ingestion.outcome";
    public const string ReasonTag = "ingestion.reason";
    public const string JobTypeTag = "ingestion.job.type";
    public const string JobStatusTag = "ingestion.job.status";
    public const string ModeTag = "ingestion.mode";
    public const string DeriverTag = "ingestion.deriver";
    public const string KindTag = "ingestion.kind";

    public static readonly ActivitySource ActivitySource = new(Name);

    public static readonly Meter Meter = new(Name);

    /// <summary>Pages fetched by sync runs.</summary>
    public static readonly Counter<long> SyncPages = Meter.CreateCounter<long>("ingestion.sync.pages", unit: "{page}", description: "Pages fetched by sync runs.");

    /// <summary>Records handled by sync runs, tagged with their outcome: new, changed, unchanged or partial.</summary>
    public static readonly Counter<long> SyncRecords = Meter.CreateCounter<long>("ingestion.sync.records", unit: "{record}", description: "Records handled by sync runs, by outcome.");

    /// <summary>The duration of sync runs, tagged with their status.</summary>
    public static readonly Histogram<double> SyncRunDuration = Meter.CreateHistogram<double>("ingestion.sync.run.duration", unit: "s", description: "The duration of stream sync runs.");

    /// <summary>HTTP attempts sent by the fetcher, tagged with the source and the status code (or the exception type).</summary>
    public static readonly Counter<long> HttpRequests = Meter.CreateCounter<long>("ingestion.http.requests", unit: "{request}", description: "HTTP attempts sent by the fetcher.");

    /// <summary>Retries scheduled by the fetcher's resilience pipeline, tagged with the source.</summary>
    public static readonly Counter<long> HttpRetries = Meter.CreateCounter<long>("ingestion.http.retries", unit: "{retry}", description: "HTTP retries scheduled by the fetcher.");

    /// <summary>Jobs finished by the queue worker, tagged with the job type and how they ended (completed, failed, dead, released).</summary>
    public static readonly Counter<long> Jobs = Meter.CreateCounter<long>("ingestion.jobs", unit: "{job}", description: "Jobs finished by the queue worker, by type and outcome.");

    /// <summary>How long a job's handler ran, tagged with the job type and how it ended.</summary>
    public static readonly Histogram<double> JobDuration = Meter.CreateHistogram<double>("ingestion.job.duration", unit: "s", description: "How long job handlers ran.");

    /// <summary>Partial-record retry attempts, tagged with the source, the stream and the outcome (succeeded, failed, gave_up, permanent).</summary>
    public static readonly Counter<long> RecordRetries = Meter.CreateCounter<long>("ingestion.retry.attempts", unit: "{attempt}", description: "Partial-record retry attempts, by outcome.");

    /// <summary>Keys derived, tagged with the deriver and the mode (inline or queued).</summary>
    public static readonly Counter<long> DerivedKeys = Meter.CreateCounter<long>("ingestion.derive.keys", unit: "{key}", description: "Input keys derived, by deriver and mode.");

    /// <summary>Webhook deliveries received, tagged with the source, the outcome (accepted, duplicate, rejected, unknown_source) and the rejection reason.</summary>
    public static readonly Counter<long> WebhookDeliveries = Meter.CreateCounter<long>("ingestion.webhook.deliveries", unit: "{delivery}", description: "Webhook deliveries received, by outcome.");

    /// <summary>Rows removed by retention, by kind (superseded_versions, deleted_keys, runs, retry_log, webhook_inbox).</summary>
    public static readonly Counter<long> RetentionRemoved = Meter.CreateCounter<long>("ingestion.retention.removed", unit: "{row}", description: "Rows removed by retention, by kind.");

    /// <summary>
    /// The latest queue statistics of each live <see cref="Internal.QueueStatsSampler"/>; read by the observable gauges. Kept per
    /// sampler because the meter is process-wide and a process can host more than one service provider (test hosts, a CLI
    /// next to a web app): one host's sample must not overwrite another's between its sampling and an export.
    /// </summary>
    private static readonly ConcurrentDictionary<object, QueueStats> s_queueStats = new(ReferenceEqualityComparer.Instance);

    /// <summary>Jobs waiting to run (pending), by job type, from the latest sample of <see cref="IJobQueue.GetStatsAsync"/>.</summary>
    public static readonly ObservableGauge<long> QueueDepth = Meter.CreateObservableGauge(
        "ingestion.queue.depth", ObserveDepth, unit: "{job}", description: "Jobs waiting to run, by job type.");

    /// <summary>The age of the oldest runnable pending job (queue lag), from the latest sample.</summary>
    public static readonly ObservableGauge<double> QueueLag = Meter.CreateObservableGauge(
        "ingestion.queue.lag", ObserveLag, unit: "s", description: "The age of the oldest runnable pending job.");

    internal static void PublishQueueStats(object sampler, QueueStats stats) => s_queueStats[sampler] = stats;

    internal static void WithdrawQueueStats(object sampler) => s_queueStats.TryRemove(sampler, out _);

    private static IEnumerable<Measurement<long>> ObserveDepth()
    {
        foreach (var stats in s_queueStats.Values)
        {
            foreach (var group in stats.Counts.Where(c => c.Status == JobStatus.Pending).GroupBy(c => c.JobType, StringComparer.Ordinal))
            {
                yield return new Measurement<long>(group.Sum(c => c.Count), new KeyValuePair<string, object?>(JobTypeTag, group.Key));
            }
        }
    }

    private static IEnumerable<Measurement<double>> ObserveLag()
    {
        foreach (var stats in s_queueStats.Values)
        {
            yield return new Measurement<double>(stats.OldestPendingAge?.TotalSeconds ?? 0);
        }
    }
}
