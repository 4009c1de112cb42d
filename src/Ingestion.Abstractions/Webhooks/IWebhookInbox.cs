namespace Ingestion;

/// <summary>
/// Keeps webhook deliveries as they arrived: verified ones with their body until a job processes them, rejected ones with
/// the reason only (their body is never kept nor processed). A delivery id, when the vendor sends one, is unique per source:
/// adding the same delivery again returns the first entry, so a vendor's redelivery is processed once.
/// </summary>
public interface IWebhookInbox
{
    /// <summary>Adds a delivery, or returns the existing entry with the same source and delivery id.</summary>
    /// <param name="delivery">The delivery.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The stored entry, and whether it already existed.</returns>
    ValueTask<WebhookInboxAddResult> AddAsync(WebhookInboxWrite delivery, CancellationToken cancellationToken);

    /// <summary>Records the job that processes an entry.</summary>
    /// <param name="id">The entry id.</param>
    /// <param name="jobId">The job id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when it is recorded.</returns>
    ValueTask SetJobAsync(long id, long jobId, CancellationToken cancellationToken);

    /// <summary>Marks an entry processed, with the error when processing gave up.</summary>
    /// <param name="id">The entry id.</param>
    /// <param name="processedAt">When it was processed.</param>
    /// <param name="error">Why processing failed for good, or <see langword="null"/> on success.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when it is recorded.</returns>
    ValueTask MarkProcessedAsync(long id, DateTimeOffset processedAt, string? error, CancellationToken cancellationToken);

    /// <summary>Reads one entry.</summary>
    /// <param name="id">The entry id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The entry, or <see langword="null"/>.</returns>
    ValueTask<WebhookInboxEntry?> GetAsync(long id, CancellationToken cancellationToken);

    /// <summary>Reads the most recent entries, newest first.</summary>
    /// <param name="source">Only this source, or <see langword="null"/> for all.</param>
    /// <param name="limit">The most entries to return.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The entries.</returns>
    ValueTask<IReadOnlyList<WebhookInboxEntry>> GetRecentAsync(string? source, int limit, CancellationToken cancellationToken);
}

/// <summary>A delivery to add to the <see cref="IWebhookInbox"/>.</summary>
public sealed class WebhookInboxWrite
{
    /// <summary>The source the delivery is for.</summary>
    public required string Source { get; init; }

    /// <summary>The vendor's delivery id, if it sends one (deduplicates redeliveries).</summary>
    public string? DeliveryId { get; init; }

    /// <summary>The vendor's event type, if it sends one.</summary>
    public string? EventType { get; init; }

    /// <summary>The request headers worth keeping (credentials and cookies are never kept).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>The raw body of a verified delivery; empty for a rejected one. The inbox copies it.</summary>
    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>Whether the signature was verified. A rejected delivery is stored as processed, with <see cref="Error"/>.</summary>
    public required bool SignatureValid { get; init; }

    /// <summary>Why the delivery was rejected, or <see langword="null"/>.</summary>
    public string? Error { get; init; }

    /// <summary>When it arrived.</summary>
    public required DateTimeOffset ReceivedAt { get; init; }
}

/// <summary>The result of <see cref="IWebhookInbox.AddAsync"/>.</summary>
/// <param name="Entry">The stored entry (the earlier one when <paramref name="Duplicate"/>).</param>
/// <param name="Duplicate">Whether an entry with the same source and delivery id already existed.</param>
public readonly record struct WebhookInboxAddResult(WebhookInboxEntry Entry, bool Duplicate);

/// <summary>A delivery as stored in the <see cref="IWebhookInbox"/>.</summary>
public sealed class WebhookInboxEntry
{
    /// <summary>The entry id.</summary>
    public required long Id { get; init; }

    /// <summary>The source.</summary>
    public required string Source { get; init; }

    /// <summary>The vendor's delivery id, if any.</summary>
    public string? DeliveryId { get; init; }

    /// <summary>The vendor's event type, if any.</summary>
    public string? EventType { get; init; }

    /// <summary>The kept request headers.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>The raw body (empty for a rejected delivery).</summary>
    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>Whether the signature was verified.</summary>
    public required bool SignatureValid { get; init; }

    /// <summary>When it arrived.</summary>
    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>When it was processed (or rejected), or <see langword="null"/> while it waits.</summary>
    public DateTimeOffset? ProcessedAt { get; init; }

    /// <summary>The job that processes it, if enqueued.</summary>
    public long? JobId { get; init; }

    /// <summary>Why it was rejected or why processing failed, or <see langword="null"/>.</summary>
    public string? Error { get; init; }
}
