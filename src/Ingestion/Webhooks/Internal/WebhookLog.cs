using Microsoft.Extensions.Logging;

namespace Ingestion.Webhooks.Internal;

internal static partial class WebhookLog
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "Webhook delivery {InboxId} of {Source} accepted (delivery {DeliveryId}, event {EventType}); job {JobId}")]
    public static partial void Accepted(ILogger logger, long inboxId, string source, string? deliveryId, string? eventType, long jobId);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Webhook delivery {DeliveryId} of {Source} was received before (inbox {InboxId}); not processed again")]
    public static partial void Duplicate(ILogger logger, string? deliveryId, string source, long inboxId);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Webhook delivery for {Source} refused ({Reason}): {Message}")]
    public static partial void Rejected(ILogger logger, string source, WebhookRejectionReason reason, string? message);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Webhook delivery {InboxId} of {Source} was signed with secret #{SecretIndex}, not the newest; the vendor has not rotated yet")]
    public static partial void OlderSecret(ILogger logger, long inboxId, string source, int secretIndex);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "Webhook delivery {InboxId} of {Source} failed processing for good: {Error}")]
    public static partial void ProcessingGaveUp(ILogger logger, long inboxId, string source, string error);
}
