namespace Ingestion.Webhooks.Internal;

/// <summary>Marks a source as accepting webhooks; its options are named after it.</summary>
internal sealed record WebhookSourceRegistration(string Source);
