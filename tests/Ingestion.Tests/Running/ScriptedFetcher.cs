using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;

namespace Ingestion.Tests.Running;

/// <summary>One scripted response: records, or a failure, and the request that follows.</summary>
internal sealed record ScriptedPage(IReadOnlyList<(string Key, string Json)> Records, PageRequest? Next = null, FetchStatus Status = FetchStatus.Success, int? HttpStatusCode = null, string? Error = null);

/// <summary>
/// An <see cref="IFetcher"/> that answers each request from a script, the way the HTTP fetcher pages through a vendor.
/// It records every request it was asked for.
/// </summary>
internal sealed class ScriptedFetcher(Func<FetchRequest, PageRequest, CancellationToken, ValueTask<ScriptedPage>> script) : IFetcher
{
    public ConcurrentQueue<(FetchRequest Fetch, PageRequest Request)> Requests { get; } = new();

    public ScriptedFetcher(Func<FetchRequest, PageRequest, ScriptedPage> script)
        : this((fetch, request, _) => ValueTask.FromResult(script(fetch, request)))
    {
    }

    public async IAsyncEnumerable<FetchedPage> FetchAsync(FetchRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var current = request.FirstRequest;
        var number = 0;
        while (current is not null)
        {
            number++;
            Requests.Enqueue((request, current));
            ScriptedPage scripted;
            try
            {
                scripted = await script(request, current, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                scripted = new ScriptedPage([], Status: FetchStatus.Cancelled);
            }

            var success = scripted.Status == FetchStatus.Success;
            yield return new FetchedPage
            {
                PageNumber = number,
                Request = current,
                Outcome = new FetchOutcome { Status = scripted.Status, HttpStatusCode = scripted.HttpStatusCode ?? (success ? 200 : null), Error = scripted.Error },
                Records = [.. scripted.Records.Select(r => new FetchedRecord(r.Key, Encoding.UTF8.GetBytes(r.Json)))],
                NextRequest = success ? scripted.Next : null,
                StopReason = !success ? PageStopReason.Failed : scripted.Next is null ? PageStopReason.NoNextPage : PageStopReason.None,
            };

            if (!success)
            {
                yield break;
            }

            current = scripted.Next;
        }
    }
}
