namespace Ingestion.Queue.Internal;

/// <summary>
/// Wakes workers waiting for jobs: a signal wakes every current waiter, or, when nobody waits, the next one to wait, so a
/// job enqueued just before a wait is not missed. The caller's maximum wait is the polling fallback. Used by
/// the engine's in-memory queue and the PostgreSQL queue (<c>LISTEN/NOTIFY</c>) alike.
/// </summary>
internal sealed class JobSignal(TimeProvider time)
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _waiters;
    private bool _pending;

    public async ValueTask WaitAsync(TimeSpan maxWait, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (maxWait < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(maxWait), maxWait, "The wait must not be negative.");
        }

        Task signal;
        lock (_gate)
        {
            if (_pending)
            {
                _pending = false;
                return;
            }

            _waiters++;
            signal = _signal.Task;
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(maxWait, time, timeout.Token);
            await Task.WhenAny(signal, delay).ConfigureAwait(false);
            await timeout.CancelAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
        finally
        {
            lock (_gate)
            {
                _waiters--;
            }
        }
    }

    public void Signal()
    {
        TaskCompletionSource? fired = null;
        lock (_gate)
        {
            if (_waiters > 0)
            {
                fired = _signal;
                _signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            else
            {
                _pending = true;
            }
        }

        fired?.TrySetResult();
    }
}
