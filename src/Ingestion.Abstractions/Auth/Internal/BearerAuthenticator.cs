using System.Net.Http.Headers;

namespace Ingestion;

internal sealed class BearerAuthenticator(Func<CancellationToken, ValueTask<string>> tokenProvider, bool refreshable) : IAuthenticator
{
    public async ValueTask AuthenticateAsync(HttpRequestMessage request, AuthenticationContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var token = await tokenProvider(cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrEmpty(token))
        {
            throw new System.Security.Authentication.AuthenticationException("The bearer token provider returned no token.");
        }

        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public ValueTask<bool> RefreshAsync(AuthenticationContext context, CancellationToken cancellationToken) => ValueTask.FromResult(refreshable);
}
