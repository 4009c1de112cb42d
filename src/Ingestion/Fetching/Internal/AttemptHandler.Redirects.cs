using System.Net;
using System.Net.Http.Headers;

namespace Ingestion.Fetching.Internal;

/// <summary>
/// Following redirects: the network handler's automatic redirects are off, so credentials never follow a redirect to a host the
/// source does not trust. A redirect to one of the source's own hosts is sent again with the source's headers and credentials;
/// one to a host in <see cref="SourceDefinition.AllowedHosts"/> goes without any of them; anything else, https to http, or more
/// than <see cref="SourceDefinition.MaxRedirects"/> hops ends the request with a verdict the fetcher reports as an issue. Every
/// hop passes through the authentication handler like the first request; a retry of the attempt starts again from the original URL.
/// </summary>
internal sealed partial class AttemptHandler
{
    /// <summary>Set on a redirected request that must go without the source's credentials.</summary>
    public static readonly HttpRequestOptionsKey<bool> WithoutCredentials = new("Ingestion.WithoutCredentials");

    private async Task<HttpResponseMessage> FollowAsync(HttpRequestMessage request, HttpResponseMessage response, FetchAttempt attempt, SourceHttpState state, CancellationToken cancellationToken)
    {
        var current = request;
        var credentialsDropped = false;
        try
        {
            for (var hops = 1; IsRedirect(response.StatusCode) && response.Headers.Location is { } location; hops++)
            {
                var target = location.IsAbsoluteUri ? location : new Uri(current.RequestUri!, location);
                if (hops > state.Source.MaxRedirects)
                {
                    attempt.Decide(FetchStatus.ClientError, $"too many redirects: more than {state.Source.MaxRedirects} (SourceDefinition.MaxRedirects); the last pointed to {HostTrust.Describe(target)}", IssueKind.TooManyRedirects);
                    return response;
                }

                var trust = state.Hosts.Judge(current.RequestUri!, target, out var reason);
                if (trust == HostTrustLevel.Refused)
                {
                    attempt.Decide(FetchStatus.ClientError, $"a redirect ({(int)response.StatusCode}) to {HostTrust.Describe(target)} was not followed: {reason}", IssueKind.UntrustedHost);
                    return response;
                }

                // Once a hop left the source's own hosts, later hops stay without credentials even if they come back.
                credentialsDropped |= trust == HostTrustLevel.Allowed;
                var next = await NextRequestAsync(state, request, current, response.StatusCode, target, attempt, credentialsDropped, cancellationToken).ConfigureAwait(false);
                FetchLog.Redirected(state.Logger, state.Source.Name, attempt.Stream, (int)response.StatusCode, HostTrust.Describe(target), credentialsDropped ? "without credentials" : "with the source's credentials");
                response.Dispose();
                if (!ReferenceEquals(current, request))
                {
                    current.Dispose();
                }

                current = next;
                response = await base.SendAsync(current, cancellationToken).ConfigureAwait(false);
            }

            return response;
        }
        finally
        {
            if (!ReferenceEquals(current, request))
            {
                // The response's RequestMessage still refers to it; only its content needs releasing.
                current.Content?.Dispose();
            }
        }
    }

    private static bool IsRedirect(HttpStatusCode code) => (int)code is 301 or 302 or 303 or 307 or 308;

    private static async Task<HttpRequestMessage> NextRequestAsync(SourceHttpState state, HttpRequestMessage original, HttpRequestMessage current, HttpStatusCode status, Uri target, FetchAttempt attempt, bool withoutCredentials, CancellationToken cancellationToken)
    {
        // 303 always, and 301/302 after a POST (as browsers and HttpClient do), continue as GET without a body.
        var keepsMethod = status is HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect
            || (status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found && current.Method != HttpMethod.Post);
        var method = status == HttpStatusCode.SeeOther && current.Method != HttpMethod.Head ? HttpMethod.Get : keepsMethod ? current.Method : HttpMethod.Get;
        var next = new HttpRequestMessage(method, withoutCredentials ? WithoutSecretQuery(target, state.SecretQueryParameters) : target);
        next.Options.Set(FetchAttempt.OptionKey, attempt);

        if (withoutCredentials)
        {
            next.Options.Set(WithoutCredentials, true);
        }
        else
        {
            HttpFetcher.AddHeaders(next, state.Source.DefaultHeaders);
            if (state.Source.FindStream(attempt.Stream) is { } stream)
            {
                HttpFetcher.AddHeaders(next, stream.Headers);
            }
        }

        if (keepsMethod && original.Content is { } content)
        {
            next.Content = new ByteArrayContent(await content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
            if (content.Headers.ContentType is { } contentType)
            {
                next.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType.ToString());
            }
        }

        return next;
    }

    // A query parameter the authenticator declares secret (an API key in the query) never leaves for another host,
    // even when the API wrote it into the Location it sent.
    private static Uri WithoutSecretQuery(Uri target, IReadOnlyCollection<string> secretParameters)
    {
        if (secretParameters.Count == 0 || target.Query.Length <= 1)
        {
            return target;
        }

        var kept = target.Query[1..].Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Where(part =>
            {
                var equals = part.IndexOf('=', StringComparison.Ordinal);
                var name = Uri.UnescapeDataString(equals < 0 ? part : part[..equals]);
                return !secretParameters.Contains(name, StringComparer.OrdinalIgnoreCase);
            });
        return new UriBuilder(target) { Query = string.Join('&', kept) }.Uri;
    }
}
