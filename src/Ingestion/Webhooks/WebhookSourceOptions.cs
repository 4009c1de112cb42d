namespace Ingestion;

/// <summary>The HMAC algorithm a vendor signs webhook bodies with.</summary>
public enum WebhookSignatureAlgorithm
{
    /// <summary>HMAC-SHA256 (the default, and what most vendors use).</summary>
    HmacSha256,

    /// <summary>HMAC-SHA1, for vendors that still sign with it.</summary>
    HmacSha1,

    /// <summary>HMAC-SHA512.</summary>
    HmacSha512,
}

/// <summary>How the signature is written in its header.</summary>
public enum WebhookSignatureEncoding
{
    /// <summary>Hexadecimal, either case.</summary>
    Hex,

    /// <summary>Base64 (standard or URL-safe alphabet, padding optional).</summary>
    Base64,
}

/// <summary>
/// How the webhooks of one source are signed. Named after the source (<c>AddWebhook("jibble", ...)</c>) and validated at start-up.
/// The signed content is <see cref="SignedContentPrefix"/> (with <c>{timestamp}</c> replaced by the timestamp header's value) followed
/// by the raw body; the signature is the HMAC of it under one of the <see cref="Secrets"/>.
/// </summary>
public sealed class WebhookSourceOptions
{
    /// <summary>The HMAC algorithm. Defaults to <see cref="WebhookSignatureAlgorithm.HmacSha256"/>.</summary>
    public WebhookSignatureAlgorithm Algorithm { get; set; } = WebhookSignatureAlgorithm.HmacSha256;

    /// <summary>The header carrying the signature. Defaults to <c>X-Signature</c>.</summary>
    public string SignatureHeader { get; set; } = "X-Signature";

    /// <summary>How the signature is encoded. Defaults to <see cref="WebhookSignatureEncoding.Hex"/>.</summary>
    public WebhookSignatureEncoding SignatureEncoding { get; set; } = WebhookSignatureEncoding.Hex;

    /// <summary>A prefix before the encoded signature (for example <c>sha256=</c>), compared ignoring case; <see langword="null"/> for none.</summary>
    public string? SignaturePrefix { get; set; }

    /// <summary>
    /// The active secrets (UTF-8), the current one first. Every one is tried, so a vendor's rotation works: put the new secret
    /// first, and remove the old one once the vendor signs with the new one. At least one is required.
    /// </summary>
    public IList<string> Secrets { get; } = [];

    /// <summary>The header carrying the delivery's timestamp (Unix seconds, Unix milliseconds or ISO 8601); <see langword="null"/> for none.</summary>
    public string? TimestampHeader { get; set; }

    /// <summary>How far the timestamp may be from now, either way, before the delivery is refused as a replay. Defaults to 5 minutes.</summary>
    public TimeSpan TimestampTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Text signed before the body, with <c>{timestamp}</c> standing for the timestamp header's value (for example <c>{timestamp}.</c>
    /// or <c>v0:{timestamp}:</c>); <see langword="null"/> when only the body is signed.
    /// </summary>
    public string? SignedContentPrefix { get; set; }

    /// <summary>The header carrying the vendor's delivery id, which deduplicates redeliveries; <see langword="null"/> for none.</summary>
    public string? DeliveryIdHeader { get; set; }

    /// <summary>The header carrying the vendor's event type; <see langword="null"/> for none.</summary>
    public string? EventTypeHeader { get; set; }

    /// <summary>The largest body accepted, in bytes. Defaults to 1 MiB.</summary>
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Attempts of the processing job before it is dead. Defaults to 5.</summary>
    public int MaxProcessingAttempts { get; set; } = 5;
}
