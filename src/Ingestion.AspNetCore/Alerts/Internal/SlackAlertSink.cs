using System.Net.Http.Json;
using System.Text;

namespace Ingestion.Alerts.Internal;

/// <summary>Posts a Slack incoming-webhook message (<c>text</c> plus a section block) for the alert.</summary>
internal sealed class SlackAlertSink(string name, SlackAlertOptions options, IHttpClientFactory clients) : IAlertSink
{
    public string Name => name;

    public static string Text(HealthAlert alert, string? prefix)
    {
        var emoji = alert.Kind switch
        {
            HealthAlertKind.Recovered => ":white_check_mark:",
            HealthAlertKind.Degraded => ":warning:",
            _ => ":rotating_light:",
        };
        var text = new StringBuilder();
        if (!string.IsNullOrEmpty(prefix))
        {
            text.Append(Escape(prefix)).Append(' ');
        }

        text.Append(emoji).Append(" *").Append(Escape(alert.Summary)).Append('*');
        if (alert.Error is { Length: > 0 } error)
        {
            text.Append("\n>").Append(Escape(error.Length > 500 ? error[..500] + "…" : error));
        }

        return text.ToString();
    }

    // Slack's three control characters in message text.
    private static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    public async ValueTask SendAsync(HealthAlert alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var text = Text(alert, options.Prefix);
        var message = new
        {
            text,
            blocks = new object[] { new { type = "section", text = new { type = "mrkdwn", text } } },
        };
        using var response = await clients.CreateClient(WebhookAlertSink.ClientName)
            .PostAsJsonAsync(options.WebhookUrl, message, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            // The URL is a credential: the message names the status only.
            throw new HttpRequestException($"The Slack webhook answered HTTP {(int)response.StatusCode}.", null, response.StatusCode);
        }
    }
}
