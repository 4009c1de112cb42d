using System.Net;

namespace Ingestion.Fetching.Internal;

/// <summary>
/// The inner handler of a source's client: adds credentials before every attempt; on a 401 refreshes them once
/// and sends again. A second 401, or one the authenticator cannot refresh, is final: a configuration problem.
/// </summary>
internal sealed class AuthenticationHandler : DelegatingHandler
{
    private const string RejectedAfterRefresh = "credentials rejected after refresh: check the source's configuration";
    private const string RejectedCannotRefresh = "credentials rejected and the authenticator cannot refresh them: check the source's configuration";

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.Options.TryGetValue(FetchAttempt.OptionKey, out var attempt) || attempt.State is not { } state)
        {
            // No source, no credentials.
            return base.SendAsync(request, cancellationToken);
        }

        attempt.Requests++;
        var authenticator = state.Source.Authenticator;
        if (authenticator is null || (request.Options.TryGetValue(AttemptHandler.WithoutCredentials, out var without) && without))
        {
            // Nothing to add or refresh: the request goes straight on, without an asynchronous frame of this handler.
            return base.SendAsync(request, cancellationToken);
        }

        return SendAuthenticatedAsync(request, attempt, state, authenticator, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendAuthenticatedAsync(HttpRequestMessage request, FetchAttempt attempt, SourceHttpState state, IAuthenticator authenticator, CancellationToken cancellationToken)
    {
        var context = state.AuthenticationContext;
        await authenticator.AuthenticateAsync(request, context, cancellationToken).ConfigureAwait(false);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        if (attempt.Refreshed)
        {
            attempt.Decide(FetchStatus.Unauthorized, RejectedAfterRefresh);
            return response;
        }

        attempt.Refreshed = true;
        attempt.AddNote($"attempt {attempt.Attempts}: 401 Unauthorized; refreshing credentials");
        FetchLog.Refreshing(state.Logger, state.Source.Name);
        if (!await authenticator.RefreshAsync(context, cancellationToken).ConfigureAwait(false))
        {
            attempt.Decide(FetchStatus.Unauthorized, RejectedCannotRefresh);
            return response;
        }

        response.Dispose();
        await authenticator.AuthenticateAsync(request, context, cancellationToken).ConfigureAwait(false);
        attempt.Requests++;
        response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            attempt.Decide(FetchStatus.Unauthorized, RejectedAfterRefresh);
        }

        return response;
    }
}
