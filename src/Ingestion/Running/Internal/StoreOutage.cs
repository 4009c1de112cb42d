using System.Data.Common;
using System.Net.Sockets;

namespace Ingestion.Running.Internal;

/// <summary>
/// Tells a store that cannot be reached from a store that refused a write, and retries the first kind across a short
/// outage. Every store write of a run is safe to repeat: a batch is classified by content hash, so a batch written twice
/// stores one version.
/// </summary>
internal static class StoreOutage
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LongestDelay = TimeSpan.FromSeconds(2);

    /// <summary>Whether <paramref name="exception"/> says the store could not be reached, rather than that it refused the work.</summary>
    public static bool IsUnavailable(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                // SQLSTATE class 08 is a connection exception; 57P01-57P03 mean the server is shutting down or starting.
                case DbException db when db.IsTransient || db.SqlState is { } state && (state.StartsWith("08", StringComparison.Ordinal) || state is "57P01" or "57P02" or "57P03"):
                case SocketException:
                case IOException:
                case TimeoutException:
                    return true;
            }
        }

        return false;
    }

    /// <summary>Runs <paramref name="work"/>, retrying it with backoff while the store is unreachable, for at most <paramref name="tolerance"/> of waiting.</summary>
    public static async Task<T> RetryAsync<T>(Func<CancellationToken, Task<T>> work, TimeSpan tolerance, TimeProvider time, Action<Exception, TimeSpan> onRetry, CancellationToken cancellationToken)
    {
        var waited = TimeSpan.Zero;
        var delay = FirstDelay;
        while (true)
        {
            try
            {
                return await work(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested && IsUnavailable(exception) && waited + delay <= tolerance)
            {
                onRetry(exception, delay);
            }

            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            waited += delay;
            delay = delay * 2 > LongestDelay ? LongestDelay : delay * 2;
        }
    }
}
