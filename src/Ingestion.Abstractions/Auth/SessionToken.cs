namespace Ingestion;

/// <summary>Where <see cref="Authenticators.SessionLogin"/> finds the session in the login response, and how it sends it.</summary>
public sealed class SessionToken
{
    private SessionToken(string? cookieName, string[]? tokenPath, string? tokenPathExpression, string headerName, string valuePrefix)
    {
        CookieName = cookieName;
        TokenPathSegments = tokenPath;
        TokenPath = tokenPathExpression;
        HeaderName = headerName;
        ValuePrefix = valuePrefix;
    }

    /// <summary>The session cookie's name, when the session is a cookie.</summary>
    public string? CookieName { get; }

    /// <summary>The dotted path of the token in the JSON login response, when the session is a token.</summary>
    public string? TokenPath { get; }

    /// <summary>The header the token is sent in (<c>Cookie</c> for a cookie session).</summary>
    public string HeaderName { get; }

    /// <summary>What precedes the token in the header (for example <c>Bearer </c>).</summary>
    public string ValuePrefix { get; }

    internal string[]? TokenPathSegments { get; }

    /// <summary>The session is the cookie named <paramref name="name"/> set by the login response; it is sent as a <c>Cookie</c> header.</summary>
    /// <param name="name">The cookie name (for example <c>JSESSIONID</c>).</param>
    /// <returns>The session description.</returns>
    public static SessionToken Cookie(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new SessionToken(name, null, null, "Cookie", string.Empty);
    }

    /// <summary>The session is a token in the JSON login response, sent in a header.</summary>
    /// <param name="tokenPath">The token's dotted path (for example <c>$.session.token</c> or <c>token</c>).</param>
    /// <param name="headerName">The header it is sent in. Defaults to <c>Authorization</c>.</param>
    /// <param name="valuePrefix">What precedes it in the header. Defaults to <c>Bearer </c>.</param>
    /// <returns>The session description.</returns>
    public static SessionToken JsonToken(string tokenPath, string headerName = "Authorization", string valuePrefix = "Bearer ")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tokenPath);
        ArgumentException.ThrowIfNullOrWhiteSpace(headerName);
        ArgumentNullException.ThrowIfNull(valuePrefix);
        var trimmed = tokenPath.Trim();
        if (trimmed.StartsWith("$.", StringComparison.Ordinal))
        {
            trimmed = trimmed[2..];
        }

        var segments = trimmed.Split('.');
        if (trimmed.Length == 0 || segments.Any(string.IsNullOrWhiteSpace) || trimmed.Contains('[', StringComparison.Ordinal))
        {
            throw new ArgumentException($"The session token path '{tokenPath}' must be a dotted path such as '$.session.token'.", nameof(tokenPath));
        }

        return new SessionToken(null, segments, tokenPath, headerName, valuePrefix);
    }
}
