using System.Text;
using System.Text.RegularExpressions;

namespace Ingestion.Fetching.Internal;

/// <summary>
/// The one place that decides what of a URL, header or message may be reported. Every URL, header value and
/// exception message that reaches a log line, issue, note or <see cref="FetchOutcome.Error"/> goes through it.
/// </summary>
internal static partial class SecretRedactor
{
    public const string Mask = "***";

    // Query parameter names that carry credentials in the wild, redacted even when no authenticator declares them.
    private static readonly HashSet<string> SecretParameterNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "api_key", "apikey", "api-key", "key", "token", "access_token", "refresh_token", "id_token", "auth", "client_secret",
        "password", "passwd", "pwd", "secret", "signature", "sig", "session", "sessionid",
    };

    private static readonly HashSet<string> SecretHeaderNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Api-Key", "Api-Key", "X-Auth-Token", "X-Access-Token",
    };

    /// <summary>Whether a header's value must never be reported.</summary>
    public static bool IsSecretHeader(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return SecretHeaderNames.Contains(name)
            || name.Contains("key", StringComparison.OrdinalIgnoreCase)
            || name.Contains("token", StringComparison.OrdinalIgnoreCase)
            || name.Contains("secret", StringComparison.OrdinalIgnoreCase)
            || name.Contains("auth", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Whether a query parameter's value must never be reported.</summary>
    public static bool IsSecretParameter(string name, IReadOnlyCollection<string>? declared)
    {
        if (SecretParameterNames.Contains(name))
        {
            return true;
        }

        if (declared is not null)
        {
            foreach (var secret in declared)
            {
                if (string.Equals(secret, name, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Returns the absolute URL with user info dropped and secret query values masked.</summary>
    public static string Url(Uri uri, IReadOnlyCollection<string>? declaredSecrets)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.IsAbsoluteUri)
        {
            return Text(uri.OriginalString, declaredSecrets);
        }

        var left = uri.GetComponents(UriComponents.Scheme | UriComponents.Host | UriComponents.Port | UriComponents.Path, UriFormat.UriEscaped);
        return AppendQuery(new StringBuilder(left), uri.Query, declaredSecrets).ToString();
    }

    /// <summary>Returns the path and query of the URL with secret query values masked.</summary>
    public static string PathAndQuery(Uri uri, IReadOnlyCollection<string>? declaredSecrets)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return uri.IsAbsoluteUri
            ? AppendQuery(new StringBuilder(uri.AbsolutePath), uri.Query, declaredSecrets).ToString()
            : Text(uri.OriginalString, declaredSecrets);
    }

    /// <summary>Returns a header's value as it may be reported.</summary>
    public static string HeaderValue(string name, string value) => IsSecretHeader(name) ? Mask : value;

    /// <summary>
    /// Masks what looks like a credential in free text (an exception message that quotes a URL or a header):
    /// secret query values, <c>Bearer</c>/<c>Basic</c> credentials and the declared secret values themselves.
    /// </summary>
    public static string Text(string? text, IReadOnlyCollection<string>? declaredSecrets, IEnumerable<string>? secretValues = null)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? string.Empty;
        }

        var result = QueryPair().Replace(text, match =>
            IsSecretParameter(Uri.UnescapeDataString(match.Groups["name"].Value), declaredSecrets)
                ? match.Groups["lead"].Value + match.Groups["name"].Value + "=" + Mask
                : match.Value);
        result = SchemeCredential().Replace(result, match => match.Groups["scheme"].Value + " " + Mask);
        if (secretValues is not null)
        {
            foreach (var secret in secretValues)
            {
                if (secret.Length >= 4)
                {
                    result = result.Replace(secret, Mask, StringComparison.Ordinal);
                }
            }
        }

        return result;
    }

    private static StringBuilder AppendQuery(StringBuilder builder, string query, IReadOnlyCollection<string>? declaredSecrets)
    {
        if (query.Length <= 1)
        {
            return builder;
        }

        builder.Append('?');
        var first = true;
        foreach (var part in query.AsSpan(1).Split('&'))
        {
            var pair = query.AsSpan(1)[part];
            if (pair.IsEmpty)
            {
                continue;
            }

            if (!first)
            {
                builder.Append('&');
            }

            first = false;
            var equals = pair.IndexOf('=');
            var name = equals < 0 ? pair : pair[..equals];
            if (equals >= 0 && IsSecretParameter(Uri.UnescapeDataString(name.ToString()), declaredSecrets))
            {
                builder.Append(name).Append('=').Append(Mask);
            }
            else
            {
                builder.Append(pair);
            }
        }

        return builder;
    }

    [GeneratedRegex(@"(?<lead>[?&;\s])(?<name>[A-Za-z0-9_\-.%]+)=(?<value>[^&#\s'""]*)", RegexOptions.CultureInvariant)]
    private static partial Regex QueryPair();

    [GeneratedRegex(@"(?<scheme>\b(?:Bearer|Basic|Token))\s+[A-Za-z0-9\-._~+/=]+", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex SchemeCredential();
}
