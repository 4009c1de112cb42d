using Ingestion.Queue.Internal;
using Ingestion.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Ingestion.Webhooks.Internal;

internal sealed class WebhookReceiver(
    IEnumerable<WebhookSourceRegistration> registrations,
    IOptionsMonitor<WebhookSourceOptions> options,
    WebhookVerifier verifier,
    IWebhookInbox inbox,
    IJobQueue queue,
    TimeProvider timeProvider,
    ILogger<WebhookReceiver>? logger = null) : IWebhookReceiver
{
    /// <summary>Headers never kept in the inbox: credentials and cookies.</summary>
    private static readonly HashSet<string> DroppedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Api-Key",
    };

    private readonly HashSet<string> _sources = new(registrations.Select(r => r.Source), StringComparer.Ordinal);
    private readonly ILogger _logger = logger ?? NullLogger<WebhookReceiver>.Instance;

    public async ValueTask<WebhookReceipt> ReceiveAsync(string source, IEnumerable<KeyValuePair<string, string>> headers, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(headers);
        if (!_sources.Contains(source))
        {
            // Not recorded: anyone could otherwise fill the inbox with made-up source names.
            Count(source, "unknown_source");
            WebhookLog.Rejected(_logger, source, WebhookRejectionReason.UnknownSource, "No webhook is configured for this source.");
            return new WebhookReceipt { Accepted = false, Rejection = WebhookRejectionReason.UnknownSource, Message = $"No webhook is configured for source '{source}'." };
        }

        var settings = options.Get(source);
        var allHeaders = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            allHeaders[name] = allHeaders.TryGetValue(name, out var existing) ? existing + "," + value : value;
        }

        var kept = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in allHeaders)
        {
            if (!DroppedHeaders.Contains(name))
            {
                kept[name] = value;
            }
        }

        var receivedAt = timeProvider.GetUtcNow();
        var verification = verifier.Verify(settings, allHeaders, body.Span);
        var deliveryId = settings.DeliveryIdHeader is { } idHeader ? WebhookVerifier.Header(allHeaders, idHeader) : null;
        var eventType = settings.EventTypeHeader is { } typeHeader ? WebhookVerifier.Header(allHeaders, typeHeader) : null;
        if (!verification.IsValid)
        {
            // The body of a refused delivery is neither kept nor processed, and its delivery id is not claimed,
            // so a forged delivery cannot block the genuine one.
            var refused = await inbox.AddAsync(
                new WebhookInboxWrite
                {
                    Source = source,
                    EventType = eventType,
                    Headers = kept,
                    SignatureValid = false,
                    Error = $"{verification.Reason}: {verification.Message}",
                    ReceivedAt = receivedAt,
                },
                cancellationToken).ConfigureAwait(false);
            Count(source, "rejected", verification.Reason);
            WebhookLog.Rejected(_logger, source, verification.Reason, verification.Message);
            return new WebhookReceipt { Accepted = false, Rejection = verification.Reason, Message = verification.Message, InboxId = refused.Entry.Id };
        }

        var added = await inbox.AddAsync(
            new WebhookInboxWrite
            {
                Source = source,
                DeliveryId = string.IsNullOrEmpty(deliveryId) ? null : deliveryId,
                EventType = eventType,
                Headers = kept,
                Body = body,
                SignatureValid = true,
                ReceivedAt = receivedAt,
            },
            cancellationToken).ConfigureAwait(false);
        var entry = added.Entry;
        if (added.Duplicate && entry.JobId is { } existingJob)
        {
            Count(source, "duplicate");
            WebhookLog.Duplicate(_logger, deliveryId, source, entry.Id);
            return new WebhookReceipt { Accepted = true, Duplicate = true, InboxId = entry.Id, JobId = existingJob };
        }

        // A duplicate without a job is one whose enqueue failed the first time: enqueue it now.
        var job = await queue.EnqueueAsync(
            new JobRequest
            {
                JobType = IngestionJobTypes.Webhook,
                Payload = new WebhookJobPayload { Source = source, InboxId = entry.Id }.ToJson(),
                DedupKey = $"webhook:{entry.Id}",
                MaxAttempts = settings.MaxProcessingAttempts,
            },
            cancellationToken).ConfigureAwait(false);
        await inbox.SetJobAsync(entry.Id, job.JobId, cancellationToken).ConfigureAwait(false);
        if (verification.SecretIndex > 0)
        {
            WebhookLog.OlderSecret(_logger, entry.Id, source, verification.SecretIndex);
        }

        Count(source, added.Duplicate ? "duplicate" : "accepted");
        WebhookLog.Accepted(_logger, entry.Id, source, deliveryId, eventType, job.JobId);
        return new WebhookReceipt { Accepted = true, Duplicate = added.Duplicate, InboxId = entry.Id, JobId = job.JobId };
    }

    private static void Count(string source, string outcome, WebhookRejectionReason reason = WebhookRejectionReason.None)
    {
        var tags = new System.Diagnostics.TagList
        {
            { IngestionTelemetry.SourceTag, source },
            { IngestionTelemetry.OutcomeTag, outcome },
        };
        if (reason != WebhookRejectionReason.None)
        {
            tags.Add(IngestionTelemetry.ReasonTag, reason.ToString());
        }

        IngestionTelemetry.WebhookDeliveries.Add(1, tags);
    }
}
