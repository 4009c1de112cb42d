namespace Ingestion.Samples.Host;

/// <summary>
/// Processes a verified vendor webhook by queueing a background sync of the source: the webhook says something
/// changed, the sync fetches it the same way a scheduled run would, so change detection and history stay in one place.
/// </summary>
internal sealed class SyncOnWebhook(string source, IIngestionClient client) : IWebhookProcessor
{
    public string Source => source;

    public async ValueTask ProcessAsync(WebhookInboxEntry delivery, CancellationToken cancellationToken) =>
        await client.SyncNowAsync(new SyncNowRequest { Source = source, Mode = SyncNowMode.Background }, cancellationToken);
}
