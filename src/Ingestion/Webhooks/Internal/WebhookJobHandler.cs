using Ingestion.Queue.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ingestion.Webhooks.Internal;

/// <summary>Runs <see cref="IngestionJobTypes.Webhook"/> jobs: hands a verified inbox entry to its source's <see cref="IWebhookProcessor"/>.</summary>
internal sealed class WebhookJobHandler(
    IWebhookInbox inbox,
    IEnumerable<IWebhookProcessor> processors,
    TimeProvider timeProvider,
    ILogger<WebhookJobHandler>? logger = null) : IJobHandler
{
    private readonly Dictionary<string, IWebhookProcessor> _processors = processors.GroupBy(p => p.Source, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
    private readonly ILogger _logger = logger ?? NullLogger<WebhookJobHandler>.Instance;

    public string JobType => IngestionJobTypes.Webhook;

    public async ValueTask<string?> HandleAsync(ClaimedJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        WebhookJobPayload payload;
        try
        {
            payload = WebhookJobPayload.Parse(job.Payload);
        }
        catch (FormatException ex)
        {
            throw new PermanentJobFailureException(ex.Message, ex);
        }

        var entry = await inbox.GetAsync(payload.InboxId, cancellationToken).ConfigureAwait(false)
            ?? throw new PermanentJobFailureException($"Webhook inbox entry {payload.InboxId} does not exist.");
        if (!entry.SignatureValid)
        {
            throw new PermanentJobFailureException($"Webhook inbox entry {entry.Id} was refused ({entry.Error}); it is never processed.");
        }

        if (entry.ProcessedAt is not null)
        {
            return "already processed";
        }

        if (!_processors.TryGetValue(entry.Source, out var processor))
        {
            var error = $"No webhook processor is registered for source '{entry.Source}'.";
            await GiveUpAsync(entry, error, cancellationToken).ConfigureAwait(false);
            throw new PermanentJobFailureException(error);
        }

        try
        {
            await processor.ProcessAsync(entry, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            if (ex is PermanentJobFailureException || job.Attempt >= job.MaxAttempts)
            {
                await GiveUpAsync(entry, ex.Message, cancellationToken).ConfigureAwait(false);
            }

            throw;
        }

        await inbox.MarkProcessedAsync(entry.Id, timeProvider.GetUtcNow(), null, cancellationToken).ConfigureAwait(false);
        return null;
    }

    private async Task GiveUpAsync(WebhookInboxEntry entry, string error, CancellationToken cancellationToken)
    {
        WebhookLog.ProcessingGaveUp(_logger, entry.Id, entry.Source, error);
        await inbox.MarkProcessedAsync(entry.Id, timeProvider.GetUtcNow(), error, cancellationToken).ConfigureAwait(false);
    }
}
