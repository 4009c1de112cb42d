using System.Net;
using System.Net.Http.Headers;
using Polly.Timeout;

namespace Ingestion.Fetching.Internal;

/// <summary>
/// The handler between resilience and authentication in a source's client, once per attempt: runs the attempt within its
/// timeout (<see cref="ResilienceSettings.AttemptTimeout"/>, on the source's clock), follows redirects itself (the network
/// handler's automatic redirects are off) so credentials never follow a redirect to a host the source does not trust, and reads
/// a successful response's body into a pooled buffer and a page's records from it, within the timeout too, so a body that
/// stalls or breaks off fails the attempt (and is retried) instead of failing later while records are read. A body that
/// arrived whole by its length but cannot be read (a proxy cut it, a gateway answered with an HTML page) is judged transient
/// by the retry and circuit breaker strategies, like a 503.
/// </summary>
/// <remarks>
/// A redirect to one of the source's own hosts is sent again with the source's headers and credentials; one to a host in
/// <see cref="SourceDefinition.AllowedHosts"/> goes without any of them; anything else, https to http, or more than
/// <see cref="SourceDefinition.MaxRedirects"/> hops ends the request with a verdict the fetcher reports as an issue. Every hop
/// passes through the authentication handler like the first request; a retry of the attempt starts again from the original URL.
/// The timeout, the redirects and the body are handled here rather than by strategies of the resilience pipeline because each
/// strategy costs every request asynchronous frames; the timeout behaves as Polly's timeout strategy (an attempt it cancels
/// ends with <see cref="TimeoutRejectedException"/>, which <see cref="AttemptStrategy"/> reports as an <c>OnTimeout</c> event).
/// </remarks>
internal sealed class RedirectHandler : DelegatingHandler
{
    /// <summary>Set on a redirected request that must go without the source's credentials.</summary>
    public static readonly HttpRequestOptionsKey<bool> WithoutCredentials = new("Ingestion.WithoutCredentials");

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);

        // Without a source there is no pipeline of its own, no timeout, and nothing trusted to follow: the response goes back as it came.
        return request.Options.TryGetValue(FetchAttempt.OptionKey, out var attempt) && attempt.State is { } state
            ? SendAttemptAsync(request, attempt, state, cancellationToken)
            : base.SendAsync(request, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendAttemptAsync(HttpRequestMessage request, FetchAttempt attempt, SourceHttpState state, CancellationToken callerToken)
    {
        attempt.Selection = null;
        var timeout = state.RentAttemptTimeout();
        var registration = callerToken.UnsafeRegister(static cts => ((CancellationTokenSource)cts!).Cancel(), timeout);
        try
        {
            var cancellationToken = timeout.Token;
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (IsRedirect(response.StatusCode))
            {
                response = await FollowAsync(request, response, attempt, state, cancellationToken).ConfigureAwait(false);
            }

            if (!response.IsSuccessStatusCode || response.Content is PooledBufferContent)
            {
                return response;
            }

            // Read here rather than in a method of its own, which would cost every page another asynchronous frame.
            try
            {
                var original = response.Content;
                var buffered = await PooledBufferContent.LoadAsync(original, cancellationToken).ConfigureAwait(false);
                response.Content = buffered;
                original.Dispose();
                if (attempt.Selector is { } selector)
                {
                    attempt.Selection = response.StatusCode == HttpStatusCode.NoContent || HttpFetcher.IsBlank(buffered.Memory.Span)
                        ? null
                        : HttpFetcher.SelectRecords(selector, buffered.Memory, attempt.SelectionBuffer);
                }

                return response;
            }
            catch
            {
                // A body that stalls, breaks off or outlasts the timeout fails the attempt like a network fault.
                response.Dispose();
                throw;
            }
        }
        catch (OperationCanceledException exception) when (timeout.IsCancellationRequested && !callerToken.IsCancellationRequested)
        {
            var limit = state.Source.Resilience.AttemptTimeout;
            throw new TimeoutRejectedException($"The operation didn't complete within the allowed timeout of '{limit}'.", limit, exception);
        }
        catch (OperationCanceledException exception) when (callerToken.IsCancellationRequested && exception.CancellationToken != callerToken)
        {
            // The caller's cancellation, told by the caller's token, as Polly's timeout strategy tells it.
            throw new OperationCanceledException(exception.Message, exception, callerToken);
        }
        finally
        {
            await registration.DisposeAsync().ConfigureAwait(false);
            state.ReturnAttemptTimeout(timeout);
        }
    }

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
