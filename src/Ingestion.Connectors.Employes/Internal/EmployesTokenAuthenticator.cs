using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;

namespace Ingestion.Connectors.Employes.Internal;

/// <summary>
/// Sends the static bearer token and warns in the log, at most once a day, when the token's <c>exp</c> is near or past.
/// The token is never logged. A 401 is final: there is no refresh for Employes tokens.
/// </summary>
internal sealed class EmployesTokenAuthenticator : IAuthenticator
{
    private static readonly TimeSpan WarnEvery = TimeSpan.FromDays(1);

    private readonly AuthenticationHeaderValue _header;
    private readonly string _sourceName;
    private readonly string _tokenKey;
    private readonly TimeSpan _warnBefore;
    private readonly Lock _lock = new();
    private DateTimeOffset? _lastWarning;

    public EmployesTokenAuthenticator(string token, string sourceName, string tokenKey, TimeSpan warnBefore)
    {
        _header = new AuthenticationHeaderValue("Bearer", token);
        ExpiresAt = JwtExpiry.Read(token);
        _sourceName = sourceName;
        _tokenKey = tokenKey;
        _warnBefore = warnBefore;
    }

    /// <summary>The token's expiry, when it is a JWT with an <c>exp</c> claim.</summary>
    public DateTimeOffset? ExpiresAt { get; }

    public ValueTask AuthenticateAsync(HttpRequestMessage request, AuthenticationContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        request.Headers.Authorization = _header;
        if (ExpiresAt is { } expiresAt)
        {
            WarnIfExpiring(expiresAt, context);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> RefreshAsync(AuthenticationContext context, CancellationToken cancellationToken) => ValueTask.FromResult(false);

    private void WarnIfExpiring(DateTimeOffset expiresAt, AuthenticationContext context)
    {
        var now = context.TimeProvider.GetUtcNow();
        if (expiresAt - now > _warnBefore)
        {
            return;
        }

        lock (_lock)
        {
            if (_lastWarning is { } last && now - last < WarnEvery)
            {
                return;
            }

            _lastWarning = now;
        }

        if (expiresAt <= now)
        {
            EmployesLog.TokenExpired(context.Logger, _sourceName, expiresAt, _tokenKey);
        }
        else
        {
            EmployesLog.TokenExpiresSoon(context.Logger, _sourceName, expiresAt, Math.Ceiling((expiresAt - now).TotalDays), _tokenKey);
        }
    }
}
