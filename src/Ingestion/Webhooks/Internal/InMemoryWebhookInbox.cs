namespace Ingestion.Webhooks.Internal;

/// <summary>A webhook inbox in memory, for tests and hosts without a database. Lost on restart.</summary>
internal sealed class InMemoryWebhookInbox : IWebhookInbox
{
    private readonly Lock _gate = new();
    private readonly List<WebhookInboxEntry> _entries = [];

    public ValueTask<WebhookInboxAddResult> AddAsync(WebhookInboxWrite delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        lock (_gate)
        {
            if (delivery.DeliveryId is { } deliveryId
                && _entries.Find(e => e.Source == delivery.Source && e.DeliveryId == deliveryId) is { } existing)
            {
                return ValueTask.FromResult(new WebhookInboxAddResult(existing, Duplicate: true));
            }

            var entry = new WebhookInboxEntry
            {
                Id = _entries.Count + 1,
                Source = delivery.Source,
                DeliveryId = delivery.DeliveryId,
                EventType = delivery.EventType,
                Headers = new Dictionary<string, string>(delivery.Headers, StringComparer.OrdinalIgnoreCase),
                Body = delivery.SignatureValid ? delivery.Body.ToArray() : ReadOnlyMemory<byte>.Empty,
                SignatureValid = delivery.SignatureValid,
                ReceivedAt = delivery.ReceivedAt,
                ProcessedAt = delivery.SignatureValid ? null : delivery.ReceivedAt,
                Error = delivery.Error,
            };
            _entries.Add(entry);
            return ValueTask.FromResult(new WebhookInboxAddResult(entry, Duplicate: false));
        }
    }

    public ValueTask SetJobAsync(long id, long jobId, CancellationToken cancellationToken)
    {
        Update(id, entry => Copy(entry, entry.ProcessedAt, entry.Error, jobId));
        return ValueTask.CompletedTask;
    }

    public ValueTask MarkProcessedAsync(long id, DateTimeOffset processedAt, string? error, CancellationToken cancellationToken)
    {
        Update(id, entry => Copy(entry, processedAt, error, entry.JobId));
        return ValueTask.CompletedTask;
    }

    public ValueTask<WebhookInboxEntry?> GetAsync(long id, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(id >= 1 && id <= _entries.Count ? _entries[(int)id - 1] : null);
        }
    }

    public ValueTask<IReadOnlyList<WebhookInboxEntry>> GetRecentAsync(string? source, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        lock (_gate)
        {
            IReadOnlyList<WebhookInboxEntry> recent = [.. _entries.Where(e => source is null || e.Source == source).Reverse().Take(limit)];
            return ValueTask.FromResult(recent);
        }
    }

    private void Update(long id, Func<WebhookInboxEntry, WebhookInboxEntry> change)
    {
        lock (_gate)
        {
            if (id >= 1 && id <= _entries.Count)
            {
                _entries[(int)id - 1] = change(_entries[(int)id - 1]);
            }
        }
    }

    private static WebhookInboxEntry Copy(WebhookInboxEntry entry, DateTimeOffset? processedAt, string? error, long? jobId) => new()
    {
        Id = entry.Id,
        Source = entry.Source,
        DeliveryId = entry.DeliveryId,
        EventType = entry.EventType,
        Headers = entry.Headers,
        Body = entry.Body,
        SignatureValid = entry.SignatureValid,
        ReceivedAt = entry.ReceivedAt,
        ProcessedAt = processedAt,
        JobId = jobId,
        Error = error,
    };
}
