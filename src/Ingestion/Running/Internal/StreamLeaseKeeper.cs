using Microsoft.Extensions.Logging;

namespace Ingestion.Running.Internal;

/// <summary>
/// Holds a run's stream lease (see <see cref="IStreamLeases"/>): renews it on a timer while the run lives, so a run waiting on a
/// slow vendor keeps its stream, and releases it when the run ends. A renewal the store refuses means another run took the
/// stream: <see cref="Lost"/> turns true and the run stops writing.
/// </summary>
internal sealed class StreamLeaseKeeper : IAsyncDisposable
{
    private readonly IStreamLeases _leases;
    private readonly StreamLease _lease;
    private readonly TimeProvider _time;
    private readonly TimeSpan _duration;
    private readonly TimeSpan _renewEvery;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Task _renewing = Task.CompletedTask;
    private volatile bool _lost;

    private StreamLeaseKeeper(IStreamLeases leases, StreamLease lease, TimeProvider time, TimeSpan duration, TimeSpan renewEvery, ILogger logger)
    {
        _leases = leases;
        _lease = lease;
        _time = time;
        _duration = duration;
        _renewEvery = renewEvery;
        _logger = logger;
    }

    /// <summary>Whether another run took the stream since this one took it.</summary>
    public bool Lost => _lost;

    /// <summary>The host and process named as holder of the leases this process takes.</summary>
    public static string ThisHolder { get; } = $"{Environment.MachineName}/{Environment.ProcessId}";

    /// <summary>Takes the stream's lease for the run and starts renewing it; or returns the lease of the run that holds the stream.</summary>
    public static async Task<(StreamLeaseKeeper? Keeper, StreamLease Holder)> TryTakeAsync(
        IStreamLeases leases, StreamId stream, Guid runId, TimeProvider time, TimeSpan duration, TimeSpan renewEvery, ILogger logger, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var request = new StreamLease(stream, runId, ThisHolder, now, now + duration);
        var holder = await leases.TryAcquireAsync(request, cancellationToken).ConfigureAwait(false);
        if (holder.RunId != runId)
        {
            return (null, holder);
        }

        var keeper = new StreamLeaseKeeper(leases, holder, time, duration, renewEvery, logger);
        keeper._renewing = keeper.RenewAsync();
        return (keeper, holder);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _renewing.ConfigureAwait(false);
        _stop.Dispose();
        if (_lost)
        {
            return;
        }

        try
        {
            await _leases.ReleaseAsync(_lease.Stream, _lease.RunId, CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A lease that cannot be released expires on its own; the run's report is already saved.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            SyncRunnerLog.LeaseRenewalFailed(_logger, exception, _lease.RunId, _lease.Stream.Source, _lease.Stream.Stream);
        }
    }

    private async Task RenewAsync()
    {
        while (true)
        {
            try
            {
                await Task.Delay(_renewEvery, _time, _stop.Token).ConfigureAwait(false);
                if (!await _leases.RenewAsync(_lease.Stream, _lease.RunId, _time.GetUtcNow() + _duration, _stop.Token).ConfigureAwait(false))
                {
                    _lost = true;
                    SyncRunnerLog.LeaseLost(_logger, _lease.RunId, _lease.Stream.Source, _lease.Stream.Stream);
                    return;
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A missed renewal is tried again at the next interval; the lease outlasts a few of them.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                SyncRunnerLog.LeaseRenewalFailed(_logger, exception, _lease.RunId, _lease.Stream.Source, _lease.Stream.Stream);
            }
        }
    }
}
