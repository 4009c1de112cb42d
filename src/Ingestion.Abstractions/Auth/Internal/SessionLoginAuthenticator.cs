using System.Security.Authentication;
using System.Text.Json;

namespace Ingestion;

/// <summary>Logs in lazily, keeps the session, and logs in again (once, shared by concurrent callers) after a 401.</summary>
internal sealed class SessionLoginAuthenticator(Uri loginUrl, Func<HttpContent> loginBody, SessionToken session) : IAuthenticator, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile Session? _session;
    private int _generation;

    public async ValueTask AuthenticateAsync(HttpRequestMessage request, AuthenticationContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var current = _session ?? await LogInAsync(context, staleGeneration: -1, cancellationToken).ConfigureAwait(false);
        request.Headers.Remove(session.HeaderName);
        request.Headers.TryAddWithoutValidation(session.HeaderName, current.HeaderValue);
    }

    public async ValueTask<bool> RefreshAsync(AuthenticationContext context, CancellationToken cancellationToken)
    {
        await LogInAsync(context, _session?.Generation ?? -1, cancellationToken).ConfigureAwait(false);
        return true;
    }

    public void Dispose() => _gate.Dispose();

    private async ValueTask<Session> LogInAsync(AuthenticationContext context, int staleGeneration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_session is { } current && current.Generation != staleGeneration)
            {
                return current; // another caller logged in while this one waited
            }

            var endpoint = loginUrl.IsAbsoluteUri ? loginUrl : new Uri(context.BaseAddress, loginUrl);
            var where = endpoint.GetLeftPart(UriPartial.Path);
            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = loginBody() };
            using var response = await context.Client.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                if ((int)response.StatusCode >= 500)
                {
                    throw new HttpRequestException($"The login endpoint {where} answered {(int)response.StatusCode} {response.ReasonPhrase}.", null, response.StatusCode);
                }

                throw new AuthenticationException($"The login endpoint {where} refused the credentials with {(int)response.StatusCode} {response.ReasonPhrase}: check the source's credentials.");
            }

            var value = session.CookieName is { } cookieName
                ? FindCookie(response, cookieName) is { } cookie ? cookieName + "=" + cookie : null
                : FindToken(await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false), session.TokenPathSegments!);
            if (value is null)
            {
                throw new AuthenticationException(session.CookieName is not null
                    ? $"The login endpoint {where} set no cookie named '{session.CookieName}'."
                    : $"The login response of {where} has no token at '{session.TokenPath}'.");
            }

            var fresh = new Session(session.ValuePrefix + value, Interlocked.Increment(ref _generation));
            _session = fresh;
            return fresh;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static string? FindCookie(HttpResponseMessage response, string name)
    {
        if (!response.Headers.TryGetValues("Set-Cookie", out var cookies))
        {
            return null;
        }

        foreach (var cookie in cookies)
        {
            var end = cookie.IndexOf(';', StringComparison.Ordinal);
            var pair = (end < 0 ? cookie : cookie[..end]).Trim();
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && string.Equals(pair[..equals].Trim(), name, StringComparison.Ordinal))
            {
                return pair[(equals + 1)..].Trim();
            }
        }

        return null;
    }

    private static string? FindToken(byte[] body, string[] path)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var element = document.RootElement;
            foreach (var segment in path)
            {
                if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(segment, out element))
                {
                    return null;
                }
            }

            return element.ValueKind == JsonValueKind.String ? element.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record Session(string HeaderValue, int Generation);
}
