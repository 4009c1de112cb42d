using Microsoft.Extensions.Logging;

namespace Ingestion.Alerts.Internal;

/// <summary>The alert notifier's log lines. Sink URLs and secrets are never logged (a Slack URL is a credential).</summary>
internal static partial class AlertLog
{
    [LoggerMessage(EventId = 9101, Level = LogLevel.Information, Message = "Health alert {Kind} for {Stream} queued for {Sinks} sinks.")]
    public static partial void Queued(ILogger logger, HealthAlertKind kind, StreamId stream, int sinks);

    [LoggerMessage(EventId = 9102, Level = LogLevel.Error, Message = "Health alert {Kind} for {Stream} could not be queued; the sync is not affected.")]
    public static partial void NotQueued(ILogger logger, Exception exception, HealthAlertKind kind, StreamId stream);

    [LoggerMessage(EventId = 9103, Level = LogLevel.Information, Message = "Health alert {AlertId} delivered to sink {Sink}.")]
    public static partial void Delivered(ILogger logger, Guid alertId, string sink);

    [LoggerMessage(EventId = 9104, Level = LogLevel.Warning, Message = "Health alert {AlertId} could not be delivered to sink {Sink} (attempt {Attempt} of {MaxAttempts}): {Error}")]
    public static partial void DeliveryFailed(ILogger logger, Guid alertId, string sink, int attempt, int maxAttempts, string error);
}
