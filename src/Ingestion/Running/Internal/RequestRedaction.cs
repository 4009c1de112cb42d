using System.Text;

namespace Ingestion.Running.Internal;

/// <summary>Describes request URLs for keys, issues and logs with secret query values replaced.</summary>
internal static class RequestRedaction
{
    private const string Redacted = "REDACTED";

    // Names that carry credentials in the wild, redacted even when the authenticator does not declare them.
    private static readonly HashSet<string> CommonSecretNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "api_key", "apikey", "api-key", "key", "token", "access_token", "auth", "password", "secret", "client_secret", "signature", "sig",
    };

    /// <summary>Returns the path and query of <paramref name="uri"/>, with secret query values redacted.</summary>
    public static string PathAndQuery(Uri uri, IAuthenticator? authenticator)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var query = uri.Query;
        if (query.Length <= 1)
        {
            return uri.AbsolutePath;
        }

        var secrets = authenticator?.SecretQueryParameters ?? [];
        var builder = new StringBuilder(uri.AbsolutePath).Append('?');
        var first = true;
        foreach (var part in query[1..].Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!first)
            {
                builder.Append('&');
            }

            first = false;
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? part : part[..equals];
            var unescaped = Uri.UnescapeDataString(name);
            var secret = CommonSecretNames.Contains(unescaped) || secrets.Contains(unescaped, StringComparer.OrdinalIgnoreCase);
            builder.Append(secret && equals >= 0 ? name + "=" + Redacted : part);
        }

        return builder.ToString();
    }
}
