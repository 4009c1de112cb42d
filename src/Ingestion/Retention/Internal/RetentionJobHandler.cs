using System.Text.Json;
using Ingestion.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ingestion.Retention.Internal;

/// <summary>
/// Runs <see cref="IngestionJobTypes.Retention"/> jobs: applies the <see cref="RetentionOptions"/> through the store's
/// <see cref="IStoreRetention"/> and stores what was removed as the job's result (the job history is the pass's own entry),
/// in the log and in the <c>ingestion.retention.removed</c> counter. A store without retention removes nothing and says so.
/// </summary>
internal sealed partial class RetentionJobHandler(
    IOptions<RetentionOptions> options, ILogger<RetentionJobHandler> logger, IStoreRetention? retention = null) : IJobHandler
{
    // The job's result in the job history: the counts in camelCase, as the other jobs write theirs.
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public string JobType => IngestionJobTypes.Retention;

    public async ValueTask<string?> HandleAsync(ClaimedJob job, CancellationToken cancellationToken)
    {
        if (retention is null)
        {
            LogUnsupported(logger);
            return """{"supported":false}""";
        }

        var result = await retention.ApplyRetentionAsync(options.Value, dryRun: false, cancellationToken).ConfigureAwait(false);
        Record(result);
        LogRemoved(logger, result.SupersededVersions, result.DeletedKeys, result.Runs, result.RetryLogEntries, result.WebhookDeliveries);
        return JsonSerializer.Serialize(result, JsonOptions);
    }

    private static void Record(RetentionResult result)
    {
        Add("superseded_versions", result.SupersededVersions);
        Add("deleted_keys", result.DeletedKeys);
        Add("runs", result.Runs);
        Add("retry_log", result.RetryLogEntries);
        Add("webhook_inbox", result.WebhookDeliveries);

        static void Add(string kind, long count)
        {
            if (count > 0)
            {
                IngestionTelemetry.RetentionRemoved.Add(count, new KeyValuePair<string, object?>(IngestionTelemetry.KindTag, kind));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention removed {Versions} superseded versions, {DeletedKeys} deleted keys, {Runs} runs, {RetryLogEntries} retry-log entries and {WebhookDeliveries} webhook deliveries.")]
    private static partial void LogRemoved(ILogger logger, long versions, long deletedKeys, long runs, long retryLogEntries, long webhookDeliveries);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retention is configured but the store does not implement IStoreRetention; nothing was removed.")]
    private static partial void LogUnsupported(ILogger logger);
}
