using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Ingestion.Alerts.Internal;

/// <summary>
/// Posts the alert as JSON. With a secret, the body is signed as the inbound webhooks are verified: HMAC-SHA256 over
/// <c>{timestamp}.{body}</c>, hex, prefixed <c>sha256=</c>, with the Unix timestamp in its own header.
/// </summary>
internal sealed class WebhookAlertSink(string name, WebhookAlertOptions options, IHttpClientFactory clients, TimeProvider time) : IAlertSink
{
    public const string ClientName = "Ingestion.Alerts";

    public string Name => name;

    public async ValueTask SendAsync(HealthAlert alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var body = JsonSerializer.SerializeToUtf8Bytes(
            new
            {
                alert.Id,
                alert.Kind,
                Stream = new { alert.Stream.Source, alert.Stream.Stream },
                alert.PreviousStatus,
                alert.Status,
                alert.At,
                alert.ConsecutiveFailures,
                alert.Error,
                alert.Schedule,
                alert.Summary,
            },
            AlertDispatcher.Json);
        using var request = new HttpRequestMessage(HttpMethod.Post, options.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation("X-Ingestion-Delivery", alert.Id.ToString("D"));
        if (options.Secret is { Length: > 0 } secret)
        {
            var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            request.Headers.TryAddWithoutValidation(options.TimestampHeader, timestamp);
            request.Headers.TryAddWithoutValidation(options.SignatureHeader, "sha256=" + Sign(secret, timestamp, body));
        }

        using var response = await clients.CreateClient(ClientName).SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"The alert webhook answered HTTP {(int)response.StatusCode}.", null, response.StatusCode);
        }
    }

    public static string Sign(string secret, string timestamp, ReadOnlySpan<byte> body)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));
        hmac.AppendData(Encoding.UTF8.GetBytes(timestamp + "."));
        hmac.AppendData(body);
        return Convert.ToHexStringLower(hmac.GetHashAndReset());
    }
}
