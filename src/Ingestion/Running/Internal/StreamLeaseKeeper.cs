using Microsoft.Extensions.Logging;

namespace Ingestion.Running.Internal;

/// <summary>
/// Holds a run's stream lease (see <see cref="IStreamLeases"/>): renews it as the run writes, once every renewal interval, and
/// releases it when the run ends. Like the run's heartbeat it is renewed by progress, not by a timer, so a run that stops making
/// progress for the lease's duration lets the stream go. A renewal the store refuses means another run took the stream:
/// <see cref="Lost"/> turns true and the run stops writing.
/// </summary>
internal sealed class StreamLeaseKeeper : IAsyncDisposable
{
    private readonly IStreamLeases _leases;
    private readonly StreamLease _lease;
    private readonly TimeProvider _time;
    private readonly TimeSpan _duration;
    private readonly TimeSpan _renewEvery;
    private readonly ILogger _logger;
    private long _lastRenewalTicks;
    private volatile bool _lost;

    private StreamLeaseKeeper(IStreamLeases leases, StreamLease lease, TimeProvider time, TimeSpan duration, TimeSpan renewEvery, ILogger logger)
    {
        _leases = leases;
        _lease = lease;
        _time = time;
        _duration = duration;
        _renewEvery = renewEvery;
        _logger = logger;
        _lastRenewalTicks = lease.AcquiredAt.UtcTicks;
    }

    /// <summary>Whether another run took the stream since this one took it.</summary>
    public bool Lost => _lost;

    /// <summary>The host and process named as holder of the leases this process takes.</summary>
    public static string ThisHolder { get; } = $"{Environment.MachineName}/{Environment.ProcessId}";

    /// <summary>Takes the stream's lease for the run; or returns the lease of the run that holds the stream.</summary>
    public static async Task<(StreamLeaseKeeper? Keeper, StreamLease Holder)> TryTakeAsync(
        IStreamLeases leases, StreamId stream, Guid runId, TimeProvider time, TimeSpan duration, TimeSpan renewEvery, ILogger logger, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var holder = await leases.TryAcquireAsync(new StreamLease(stream, runId, ThisHolder, now, now + duration), cancellationToken).ConfigureAwait(false);
        return holder.RunId == runId ? (new StreamLeaseKeeper(leases, holder, time, duration, renewEvery, logger), holder) : (null, holder);
    }

    /// <summary>
    /// Renews the lease when a renewal is due; of several writers of a fan-out run, one renews. Returns <see langword="false"/>
    /// once the lease is lost.
    /// </summary>
    public async Task<bool> RenewIfDueAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var last = Interlocked.Read(ref _lastRenewalTicks);
        if (_lost || now.UtcTicks < last + _renewEvery.Ticks || Interlocked.CompareExchange(ref _lastRenewalTicks, now.UtcTicks, last) != last)
        {
            return !_lost;
        }

        try
        {
            if (!await _leases.RenewAsync(_lease.Stream, _lease.RunId, now + _duration, cancellationToken).ConfigureAwait(false))
            {
                _lost = true;
                SyncRunnerLog.LeaseLost(_logger, _lease.RunId, _lease.Stream.Source, _lease.Stream.Stream);
            }
        }
#pragma warning disable CA1031 // A missed renewal is tried again at the next write; the lease outlasts a few of them.
        catch (Exception exception) when (exception is not OperationCanceledException)
#pragma warning restore CA1031
        {
            SyncRunnerLog.LeaseRenewalFailed(_logger, exception, _lease.RunId, _lease.Stream.Source, _lease.Stream.Stream);
        }

        return !_lost;
    }

    public async ValueTask DisposeAsync()
    {
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
}
