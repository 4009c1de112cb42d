namespace Ingestion;

/// <summary>
/// Adds credentials to requests and refreshes them when the API answers 401. The standard ones are
/// created by <see cref="Authenticators"/>. Implementations must be thread-safe: one instance serves
/// every concurrent request of its source.
/// </summary>
public interface IAuthenticator
{
    /// <summary>Adds credentials to a request before it is sent.</summary>
    /// <param name="request">The outgoing request.</param>
    /// <param name="context">Services the authenticator may use (a client for token endpoints, the clock).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the request carries credentials.</returns>
    ValueTask AuthenticateAsync(HttpRequestMessage request, AuthenticationContext context, CancellationToken cancellationToken);

    /// <summary>
    /// Called once after a 401. Drops cached credentials and gets new ones (a new token or session).
    /// Returns <see langword="false"/> when nothing can be refreshed (static credentials), so the 401 is final.
    /// </summary>
    /// <param name="context">Services the authenticator may use.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Whether the request is worth sending again.</returns>
    ValueTask<bool> RefreshAsync(AuthenticationContext context, CancellationToken cancellationToken);

    /// <summary>Query parameter names that carry secrets and must be redacted wherever a URL is logged or reported.</summary>
    IReadOnlyCollection<string> SecretQueryParameters => [];
}

/// <summary>Services an authenticator may use.</summary>
public sealed class AuthenticationContext
{
    /// <summary>A client without the source's authentication or retries, for token and login endpoints.</summary>
    public required HttpClient Client { get; init; }

    /// <summary>The source's base address, against which relative token and login URLs are resolved.</summary>
    public required Uri BaseAddress { get; init; }

    /// <summary>The clock.</summary>
    public required TimeProvider TimeProvider { get; init; }

    /// <summary>A logger; never log credentials.</summary>
    public required Microsoft.Extensions.Logging.ILogger Logger { get; init; }
}
