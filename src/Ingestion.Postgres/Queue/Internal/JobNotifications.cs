using Ingestion.Postgres.Internal;
using Ingestion.Queue.Internal;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ingestion.Postgres.Queue.Internal;

/// <summary>
/// Wakes waiting workers on <c>LISTEN/NOTIFY</c>: one dedicated connection listens (opened on the first wait, reopened after a
/// failure); a notification wakes every current waiter, or the next one when nobody waits. The caller's maximum wait is the
/// polling fallback, so a lost listener only costs latency.
/// </summary>
internal sealed partial class JobNotifications : IAsyncDisposable
{
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(1);

    private readonly PostgresStoreContext _context;
    private readonly string _channel;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly JobSignal _signal;
    private Task? _listener;

    public JobNotifications(PostgresStoreContext context, string channel, ILogger logger)
    {
        _context = context;
        _channel = channel;
        _logger = logger;
        _signal = new JobSignal(context.Time);
    }

    public ValueTask WaitAsync(TimeSpan maxWait, CancellationToken cancellationToken)
    {
        if (_context.Options.Queue.UseNotifications)
        {
            lock (_gate)
            {
                _listener ??= Task.Run(() => ListenAsync(_stop.Token), CancellationToken.None);
            }
        }

        return _signal.WaitAsync(maxWait, cancellationToken);
    }

    private void Signal() => _signal.Signal();

    private async Task ListenAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _context.DataSource.OpenConnectionAsync(stop).ConfigureAwait(false);
                connection.Notification += (_, _) => Signal();
                await using (var listen = new NpgsqlCommand($"LISTEN \"{_channel}\"", connection))
                {
                    await listen.ExecuteNonQueryAsync(stop).ConfigureAwait(false);
                }

                // Jobs enqueued while nobody listened sent notifications nobody heard: let the next waiter look.
                Signal();
                while (true)
                {
                    await connection.WaitAsync(stop).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or IOException or TimeoutException)
            {
                LogListenerFailed(_logger, exception, _channel, ReconnectDelay.TotalSeconds);
                try
                {
                    await Task.Delay(ReconnectDelay, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Stops listening without waiting for the listener to finish.</summary>
    public void Stop()
    {
        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already disposed asynchronously: the listener is stopped.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_listener is { } listener)
        {
            await listener.ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "The job queue's listener on channel {Channel} failed; polling until it reconnects in {DelaySeconds} s")]
    private static partial void LogListenerFailed(ILogger logger, Exception exception, string channel, double delaySeconds);
}
