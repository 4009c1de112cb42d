namespace Ingestion;

/// <summary>Creates the standard authenticators.</summary>
public static partial class Authenticators
{
    /// <summary>
    /// An API key sent in a header (for example <c>X-Api-Key</c>) or a query parameter (for example <c>api_key</c>).
    /// A query-string key is declared in <see cref="IAuthenticator.SecretQueryParameters"/> so it is redacted wherever a URL is reported.
    /// Static: a 401 is final.
    /// </summary>
    /// <param name="name">The header or query parameter name.</param>
    /// <param name="value">The key.</param>
    /// <param name="location">Where the key goes. Defaults to a header.</param>
    /// <returns>The authenticator.</returns>
    public static IAuthenticator ApiKey(string name, string value, ApiKeyLocation location = ApiKeyLocation.Header)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrEmpty(value);
        if (!Enum.IsDefined(location))
        {
            throw new ArgumentOutOfRangeException(nameof(location), location, "The API key location must be Header or Query.");
        }

        return new ApiKeyAuthenticator(name, value, location);
    }

    /// <summary>A static bearer token in the <c>Authorization</c> header. Static: a 401 is final.</summary>
    /// <param name="token">The token, without the <c>Bearer </c> prefix.</param>
    /// <returns>The authenticator.</returns>
    public static IAuthenticator Bearer(string token)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        return new BearerAuthenticator(_ => ValueTask.FromResult(token), refreshable: false);
    }

    /// <summary>
    /// A bearer token obtained from <paramref name="tokenProvider"/> before every request (for example from a secret
    /// store that rotates it). After a 401 the provider is asked once more, so a rotated token is picked up.
    /// </summary>
    /// <param name="tokenProvider">Returns the current token, without the <c>Bearer </c> prefix.</param>
    /// <returns>The authenticator.</returns>
    public static IAuthenticator Bearer(Func<CancellationToken, ValueTask<string>> tokenProvider)
    {
        ArgumentNullException.ThrowIfNull(tokenProvider);
        return new BearerAuthenticator(tokenProvider, refreshable: true);
    }

    /// <summary>HTTP Basic authentication. Static: a 401 is final.</summary>
    /// <param name="userName">The user name; must not contain a colon.</param>
    /// <param name="password">The password.</param>
    /// <returns>The authenticator.</returns>
    public static IAuthenticator Basic(string userName, string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(userName);
        ArgumentNullException.ThrowIfNull(password);
        if (userName.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException("A Basic authentication user name cannot contain ':'.", nameof(userName));
        }

        return new BasicAuthenticator(userName, password);
    }

    /// <summary>
    /// OAuth 2.0 client credentials: the token is requested from <paramref name="tokenUrl"/> (form body with
    /// <c>grant_type=client_credentials</c>, <c>client_id</c>, <c>client_secret</c> and optional <c>scope</c>), cached until
    /// <c>expires_in</c> minus <paramref name="expirySkew"/>, and requested again after a 401. Concurrent requests share one token request.
    /// </summary>
    /// <param name="tokenUrl">The token endpoint; a relative URL is resolved against the source's base address.</param>
    /// <param name="clientId">The client id.</param>
    /// <param name="clientSecret">The client secret.</param>
    /// <param name="scope">The scope, or <see langword="null"/>.</param>
    /// <param name="expirySkew">How long before its expiry a token is replaced. Defaults to 60 seconds.</param>
    /// <returns>The authenticator.</returns>
    public static IAuthenticator OAuth2ClientCredentials(string tokenUrl, string clientId, string clientSecret, string? scope = null, TimeSpan? expirySkew = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tokenUrl);
        ArgumentException.ThrowIfNullOrEmpty(clientId);
        ArgumentException.ThrowIfNullOrEmpty(clientSecret);
        var skew = expirySkew ?? TimeSpan.FromSeconds(60);
        ArgumentOutOfRangeException.ThrowIfLessThan(skew, TimeSpan.Zero, nameof(expirySkew));
        return new OAuth2ClientCredentialsAuthenticator(ParseUrl(tokenUrl, nameof(tokenUrl)), clientId, clientSecret, scope, skew);
    }

    /// <summary>
    /// Session login: POSTs <paramref name="loginBody"/> to <paramref name="loginUrl"/> on first use, keeps the session
    /// (a cookie, or a token read from the JSON response and sent in a header) and logs in again after a 401.
    /// </summary>
    /// <param name="loginUrl">The login endpoint; a relative URL is resolved against the source's base address.</param>
    /// <param name="loginBody">Creates the login request body (credentials) for each login.</param>
    /// <param name="session">Where the session is found in the login response and how it is sent.</param>
    /// <returns>The authenticator.</returns>
    public static IAuthenticator SessionLogin(string loginUrl, Func<HttpContent> loginBody, SessionToken session)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(loginUrl);
        ArgumentNullException.ThrowIfNull(loginBody);
        ArgumentNullException.ThrowIfNull(session);
        return new SessionLoginAuthenticator(ParseUrl(loginUrl, nameof(loginUrl)), loginBody, session);
    }

    private static Uri ParseUrl(string url, string parameterName) =>
        Uri.TryCreate(url, UriKind.RelativeOrAbsolute, out var uri)
            ? uri
            : throw new ArgumentException($"'{url}' is not a valid URL.", parameterName);
}
