namespace Ingestion;

/// <summary>
/// Receives webhook deliveries, independent of any web framework: a host passes the source name, the request headers and the
/// raw body. A verified delivery is stored in the <see cref="IWebhookInbox"/> and an <see cref="IngestionJobTypes.Webhook"/> job
/// is enqueued to process it; a refused one is recorded with the reason, and its body is neither kept nor processed.
/// </summary>
/// <example>
/// In an ASP.NET Core host:
/// <code>
/// app.MapPost("/webhooks/{source}", async (string source, HttpRequest request, IWebhookReceiver receiver, CancellationToken ct) =>
/// {
///     using var body = new MemoryStream();
///     await request.Body.CopyToAsync(body, ct);
///     var receipt = await receiver.ReceiveAsync(source, request.Headers.Select(h => KeyValuePair.Create(h.Key, h.Value.ToString())), body.ToArray(), ct);
///     return Results.StatusCode(receipt.StatusCode);
/// });
/// </code>
/// </example>
public interface IWebhookReceiver
{
    /// <summary>Verifies, stores and enqueues one delivery.</summary>
    /// <param name="source">The source the delivery is for (as registered with <c>AddWebhook</c>).</param>
    /// <param name="headers">The request headers; names are matched ignoring case.</param>
    /// <param name="body">The raw body, exactly as received.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>What happened to the delivery.</returns>
    ValueTask<WebhookReceipt> ReceiveAsync(string source, IEnumerable<KeyValuePair<string, string>> headers, ReadOnlyMemory<byte> body, CancellationToken cancellationToken);
}

/// <summary>What happened to one webhook delivery.</summary>
public sealed record WebhookReceipt
{
    /// <summary>Whether the delivery was verified and is (or already was) queued for processing.</summary>
    public required bool Accepted { get; init; }

    /// <summary>Whether the same delivery id had been received before; it is not processed twice.</summary>
    public bool Duplicate { get; init; }

    /// <summary>Why it was refused, or <see cref="WebhookRejectionReason.None"/>.</summary>
    public WebhookRejectionReason Rejection { get; init; }

    /// <summary>A description of the refusal, or <see langword="null"/>.</summary>
    public string? Message { get; init; }

    /// <summary>The inbox entry (a refused delivery is recorded too, except for an unknown source), or <see langword="null"/>.</summary>
    public long? InboxId { get; init; }

    /// <summary>The processing job, or <see langword="null"/>.</summary>
    public long? JobId { get; init; }

    /// <summary>
    /// The HTTP status code a host should answer with: 202 accepted, 200 duplicate, 404 unknown source, 413 body too large,
    /// 401 for every signature or timestamp problem.
    /// </summary>
    public int StatusCode => Rejection switch
    {
        WebhookRejectionReason.None => Duplicate ? 200 : 202,
        WebhookRejectionReason.UnknownSource => 404,
        WebhookRejectionReason.BodyTooLarge => 413,
        _ => 401,
    };
}

/// <summary>
/// Processes the verified webhook deliveries of one source (for example by syncing the record the event names). Runs inside the
/// <see cref="IngestionJobTypes.Webhook"/> job; throw to retry, or throw <see cref="PermanentJobFailureException"/> to give up.
/// </summary>
public interface IWebhookProcessor
{
    /// <summary>The source whose deliveries this processor handles.</summary>
    string Source { get; }

    /// <summary>Processes one verified delivery.</summary>
    /// <param name="delivery">The inbox entry, with the raw body.</param>
    /// <param name="cancellationToken">Cancels the processing.</param>
    /// <returns>A task that completes when the delivery is processed.</returns>
    ValueTask ProcessAsync(WebhookInboxEntry delivery, CancellationToken cancellationToken);
}
