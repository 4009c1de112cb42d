using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Ingestion;

/// <summary>Why a webhook delivery was refused.</summary>
public enum WebhookRejectionReason
{
    /// <summary>Not refused.</summary>
    None,

    /// <summary>No webhook is configured for the source.</summary>
    UnknownSource,

    /// <summary>The body is larger than <see cref="WebhookSourceOptions.MaxBodyBytes"/>.</summary>
    BodyTooLarge,

    /// <summary>The signature header is missing or empty.</summary>
    MissingSignature,

    /// <summary>The signature header is not in the configured format (prefix, hex or base64, length).</summary>
    MalformedSignature,

    /// <summary>The signature matches none of the active secrets: a tampered body or a wrong secret.</summary>
    SignatureMismatch,

    /// <summary>The timestamp header is configured but missing.</summary>
    MissingTimestamp,

    /// <summary>The timestamp header cannot be read.</summary>
    MalformedTimestamp,

    /// <summary>The timestamp is outside the tolerance window (a replay, or a badly wrong clock).</summary>
    TimestampOutsideTolerance,
}

/// <summary>The outcome of verifying one delivery.</summary>
/// <param name="Reason">Why it was refused, or <see cref="WebhookRejectionReason.None"/>.</param>
/// <param name="Message">A description of the refusal, or <see langword="null"/>. Never contains a secret or the expected signature.</param>
/// <param name="SecretIndex">The index in <see cref="WebhookSourceOptions.Secrets"/> of the secret that matched, or -1.</param>
public readonly record struct WebhookVerificationResult(WebhookRejectionReason Reason, string? Message, int SecretIndex)
{
    /// <summary>Whether the delivery is authentic.</summary>
    public bool IsValid => Reason == WebhookRejectionReason.None;

    internal static WebhookVerificationResult Reject(WebhookRejectionReason reason, string message) => new(reason, message, -1);
}

/// <summary>
/// Verifies webhook signatures over the raw body, independent of any web framework: HMAC-SHA256, SHA-1 or SHA-512, hex or
/// base64 with an optional prefix, an optional timestamp with a tolerance window, several active secrets, and constant-time
/// comparison. Thread-safe.
/// </summary>
/// <param name="timeProvider">The clock the timestamp is checked against.</param>
public sealed class WebhookVerifier(TimeProvider timeProvider)
{
    private const int MaxHashBytes = 64;
    private readonly TimeProvider _time = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));

    /// <summary>Verifies one delivery.</summary>
    /// <param name="options">How the source signs its webhooks.</param>
    /// <param name="headers">The request headers; names are matched ignoring case.</param>
    /// <param name="body">The raw body, exactly as received.</param>
    /// <returns>Whether the delivery is authentic, and why not.</returns>
    public WebhookVerificationResult Verify(WebhookSourceOptions options, IReadOnlyDictionary<string, string> headers, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(headers);
        if (body.Length > options.MaxBodyBytes)
        {
            return WebhookVerificationResult.Reject(WebhookRejectionReason.BodyTooLarge, $"The body is {body.Length} bytes, over the limit of {options.MaxBodyBytes}.");
        }

        var signatureText = Header(headers, options.SignatureHeader)?.Trim();
        if (string.IsNullOrEmpty(signatureText))
        {
            return WebhookVerificationResult.Reject(WebhookRejectionReason.MissingSignature, $"The signature header '{options.SignatureHeader}' is missing.");
        }

        string? timestamp = null;
        if (options.TimestampHeader is { Length: > 0 } timestampHeader)
        {
            timestamp = Header(headers, timestampHeader)?.Trim();
            if (string.IsNullOrEmpty(timestamp))
            {
                return WebhookVerificationResult.Reject(WebhookRejectionReason.MissingTimestamp, $"The timestamp header '{timestampHeader}' is missing.");
            }

            if (!TryParseTimestamp(timestamp, out var sentAt))
            {
                return WebhookVerificationResult.Reject(WebhookRejectionReason.MalformedTimestamp, $"The timestamp header '{timestampHeader}' cannot be read.");
            }

            var skew = _time.GetUtcNow() - sentAt;
            if (skew.Duration() > options.TimestampTolerance)
            {
                return WebhookVerificationResult.Reject(
                    WebhookRejectionReason.TimestampOutsideTolerance,
                    $"The timestamp is {skew.Duration().TotalSeconds:0} s {(skew > TimeSpan.Zero ? "old" : "in the future")}, outside the tolerance of {options.TimestampTolerance.TotalSeconds:0} s.");
            }
        }

        var encoded = signatureText.AsSpan();
        if (options.SignaturePrefix is { Length: > 0 } prefix)
        {
            if (!encoded.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return WebhookVerificationResult.Reject(WebhookRejectionReason.MalformedSignature, $"The signature does not start with '{prefix}'.");
            }

            encoded = encoded[prefix.Length..].Trim();
        }

        var (algorithm, hashLength) = Algorithm(options.Algorithm);
        Span<byte> provided = stackalloc byte[MaxHashBytes];
        if (!TryDecode(encoded, options.SignatureEncoding, provided, out var providedLength) || providedLength != hashLength)
        {
            return WebhookVerificationResult.Reject(WebhookRejectionReason.MalformedSignature, $"The signature is not a {options.SignatureEncoding} {options.Algorithm} value.");
        }

        byte[]? rentedPrefix = null;
        var signedPrefix = ReadOnlySpan<byte>.Empty;
        if (options.SignedContentPrefix is { Length: > 0 } template)
        {
            var text = template.Replace("{timestamp}", timestamp ?? string.Empty, StringComparison.Ordinal);
            rentedPrefix = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
            signedPrefix = rentedPrefix.AsSpan(0, Encoding.UTF8.GetBytes(text, rentedPrefix));
        }

        try
        {
            Span<byte> expected = stackalloc byte[MaxHashBytes];
            var matched = -1;
            for (var i = 0; i < options.Secrets.Count; i++)
            {
                using var hmac = IncrementalHash.CreateHMAC(algorithm, Encoding.UTF8.GetBytes(options.Secrets[i]));
                hmac.AppendData(signedPrefix);
                hmac.AppendData(body);
                var written = hmac.GetHashAndReset(expected);
                // Every secret is compared, so the time taken does not tell which one matched.
                if (CryptographicOperations.FixedTimeEquals(expected[..written], provided[..providedLength]) && matched < 0)
                {
                    matched = i;
                }
            }

            CryptographicOperations.ZeroMemory(expected);
            return matched >= 0
                ? new WebhookVerificationResult(WebhookRejectionReason.None, null, matched)
                : WebhookVerificationResult.Reject(WebhookRejectionReason.SignatureMismatch, "The signature matches none of the active secrets.");
        }
        finally
        {
            if (rentedPrefix is not null)
            {
                ArrayPool<byte>.Shared.Return(rentedPrefix);
            }
        }
    }

    internal static string? Header(IReadOnlyDictionary<string, string> headers, string name)
    {
        if (headers.TryGetValue(name, out var value))
        {
            return value;
        }

        foreach (var (key, candidate) in headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return candidate;
            }
        }

        return null;
    }

    private static (HashAlgorithmName Name, int Length) Algorithm(WebhookSignatureAlgorithm algorithm) => algorithm switch
    {
        WebhookSignatureAlgorithm.HmacSha1 => (HashAlgorithmName.SHA1, 20),
        WebhookSignatureAlgorithm.HmacSha512 => (HashAlgorithmName.SHA512, 64),
        _ => (HashAlgorithmName.SHA256, 32),
    };

    private static bool TryDecode(ReadOnlySpan<char> text, WebhookSignatureEncoding encoding, Span<byte> destination, out int written)
    {
        written = 0;
        if (encoding == WebhookSignatureEncoding.Hex)
        {
            if (text.Length % 2 != 0 || text.Length / 2 > destination.Length)
            {
                return false;
            }

            return Convert.FromHexString(text, destination, out _, out written) == OperationStatus.Done;
        }

        if (text.Length > 2 * 4 * MaxHashBytes / 3 + 4)
        {
            return false;
        }

        // Accept the URL-safe alphabet and missing padding too.
        Span<char> normalized = stackalloc char[text.Length + 3];
        var length = 0;
        foreach (var c in text)
        {
            normalized[length++] = c switch { '-' => '+', '_' => '/', _ => c };
        }

        while (length % 4 != 0)
        {
            normalized[length++] = '=';
        }

        return Convert.TryFromBase64Chars(normalized[..length], destination, out written);
    }

    private static bool TryParseTimestamp(string text, out DateTimeOffset value)
    {
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            try
            {
                // Ten-digit values are seconds for centuries to come; thirteen-digit ones are milliseconds.
                value = number >= 100_000_000_000 ? DateTimeOffset.FromUnixTimeMilliseconds(number) : DateTimeOffset.FromUnixTimeSeconds(number);
                return true;
            }
            catch (ArgumentOutOfRangeException)
            {
                value = default;
                return false;
            }
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value);
    }
}
