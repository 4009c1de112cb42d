using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Text.Json;

namespace Ingestion;

/// <summary>
/// Caches one client-credentials token per instance. Token requests are serialized by a semaphore, and a caller
/// that waited while another refreshed reuses the new token instead of requesting yet another one.
/// </summary>
internal sealed class OAuth2ClientCredentialsAuthenticator(Uri tokenUrl, string clientId, string clientSecret, string? scope, TimeSpan skew) : IAuthenticator, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile CachedToken? _token;
    private int _generation;

    public IReadOnlyCollection<string> SecretQueryParameters => ["client_secret", "access_token"];

    public async ValueTask AuthenticateAsync(HttpRequestMessage request, AuthenticationContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var token = _token;
        if (token is null || context.TimeProvider.GetUtcNow() >= token.RenewAt)
        {
            token = await GetTokenAsync(context, token?.Generation ?? -1, cancellationToken).ConfigureAwait(false);
        }

        request.Headers.Authorization = new AuthenticationHeaderValue(token.Type, token.Value);
    }

    public async ValueTask<bool> RefreshAsync(AuthenticationContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var seen = _token?.Generation ?? -1;
        await GetTokenAsync(context, seen, cancellationToken, force: true).ConfigureAwait(false);
        return true;
    }

    public void Dispose() => _gate.Dispose();

    private async ValueTask<CachedToken> GetTokenAsync(AuthenticationContext context, int staleGeneration, CancellationToken cancellationToken, bool force = false)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = _token;
            if (current is not null && current.Generation != staleGeneration && context.TimeProvider.GetUtcNow() < current.RenewAt)
            {
                return current; // another caller refreshed while this one waited
            }

            if (current is not null && !force && context.TimeProvider.GetUtcNow() < current.RenewAt)
            {
                return current;
            }

            var fresh = await RequestTokenAsync(context, cancellationToken).ConfigureAwait(false);
            _token = fresh;
            return fresh;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<CachedToken> RequestTokenAsync(AuthenticationContext context, CancellationToken cancellationToken)
    {
        var endpoint = tokenUrl.IsAbsoluteUri ? tokenUrl : new Uri(context.BaseAddress, tokenUrl);
        var form = new List<KeyValuePair<string, string>>
        {
            new("grant_type", "client_credentials"),
            new("client_id", clientId),
            new("client_secret", clientSecret),
        };
        if (!string.IsNullOrEmpty(scope))
        {
            form.Add(new("scope", scope));
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var where = endpoint.GetLeftPart(UriPartial.Path);
        using var response = await context.Client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            if ((int)response.StatusCode >= 500)
            {
                throw new HttpRequestException($"The token endpoint {where} answered {(int)response.StatusCode} {response.ReasonPhrase}.", null, response.StatusCode);
            }

            throw new AuthenticationException($"The token endpoint {where} refused the client credentials with {(int)response.StatusCode} {response.ReasonPhrase}: check the client id and secret.");
        }

        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        string? value = null;
        var type = "Bearer";
        double? expiresIn = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty("access_token", out var accessToken) && accessToken.ValueKind == JsonValueKind.String)
                {
                    value = accessToken.GetString();
                }

                if (root.TryGetProperty("token_type", out var tokenType) && tokenType.ValueKind == JsonValueKind.String
                    && string.Equals(tokenType.GetString(), "bearer", StringComparison.OrdinalIgnoreCase))
                {
                    type = "Bearer";
                }

                if (root.TryGetProperty("expires_in", out var expires))
                {
                    expiresIn = expires.ValueKind switch
                    {
                        JsonValueKind.Number => expires.GetDouble(),
                        JsonValueKind.String when double.TryParse(expires.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
                        _ => null,
                    };
                }
            }
        }
        catch (JsonException)
        {
            throw new AuthenticationException($"The token endpoint {where} did not answer with JSON.");
        }

        if (string.IsNullOrEmpty(value))
        {
            throw new AuthenticationException($"The token endpoint {where} answered without an access_token.");
        }

        var now = context.TimeProvider.GetUtcNow();

        // Without expires_in the token is kept until the API rejects it.
        var renewAt = expiresIn is { } seconds ? now + TimeSpan.FromSeconds(Math.Max(0, seconds)) - skew : DateTimeOffset.MaxValue;
        return new CachedToken(value, type, renewAt, Interlocked.Increment(ref _generation));
    }

    private sealed record CachedToken(string Value, string Type, DateTimeOffset RenewAt, int Generation);
}
