namespace Ingestion;

/// <summary>How health alerts are delivered.</summary>
public sealed class AlertOptions
{
    /// <summary>How many times the job queue tries to deliver one alert to one sink before the job is dead. Defaults to 10.</summary>
    public int MaxAttempts { get; set; } = 10;

    /// <summary>The priority of alert jobs (higher runs first). Defaults to 10, above syncs.</summary>
    public int Priority { get; set; } = 10;
}

/// <summary>A generic webhook alert sink: a JSON POST signed with HMAC-SHA256 the way inbound webhooks are verified.</summary>
public sealed class WebhookAlertOptions
{
    /// <summary>The default signature header.</summary>
    public const string DefaultSignatureHeader = "X-Ingestion-Signature";

    /// <summary>The default timestamp header.</summary>
    public const string DefaultTimestampHeader = "X-Ingestion-Timestamp";

    /// <summary>Where alerts are posted. Required.</summary>
    public Uri? Url { get; set; }

    /// <summary>
    /// The signing secret: the body is signed as <c>sha256=</c> + hex(HMAC-SHA256(secret, timestamp + "." + body)), so a
    /// receiver verifies it as an inbound webhook source with <see cref="WebhookSourceOptions.SignaturePrefix"/> <c>sha256=</c>,
    /// <see cref="WebhookSourceOptions.SignedContentPrefix"/> <c>{timestamp}.</c> and the timestamp header. Unsigned when
    /// <see langword="null"/>.
    /// </summary>
    public string? Secret { get; set; }

    /// <summary>The header the signature is sent in. Defaults to <see cref="DefaultSignatureHeader"/>.</summary>
    public string SignatureHeader { get; set; } = DefaultSignatureHeader;

    /// <summary>The header the Unix timestamp (seconds) is sent in. Defaults to <see cref="DefaultTimestampHeader"/>.</summary>
    public string TimestampHeader { get; set; } = DefaultTimestampHeader;
}

/// <summary>A Slack-compatible incoming-webhook alert sink (Mattermost and Rocket.Chat accept the same message).</summary>
public sealed class SlackAlertOptions
{
    /// <summary>The incoming-webhook URL. Required; it is a credential, so it is never logged.</summary>
    public Uri? WebhookUrl { get; set; }

    /// <summary>Text put before every message, for example the environment's name. Optional.</summary>
    public string? Prefix { get; set; }
}
