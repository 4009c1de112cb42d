using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace Ingestion.Testing;

// A FakeTimeProvider that reports every timer the code under test arms (a backoff delay, a Retry-After wait, an attempt
// timeout, a budget wait), so a test can move the clock exactly when something starts waiting, without real sleeps.
// DriveAsync does that in a loop until the awaited task completes.
public sealed class SignallingTimeProvider : FakeTimeProvider
{
    private readonly Channel<TimeSpan> _armed = Channel.CreateUnbounded<TimeSpan>();

    // A clock starting at 2025-03-01 08:00:00 UTC.
    public SignallingTimeProvider()
        : this(new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero))
    {
    }

    public SignallingTimeProvider(DateTimeOffset start)
        : base(start)
    {
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ReportingTimer(base.CreateTimer(callback, state, dueTime, period), this);
        Report(dueTime);
        return timer;
    }

    // Awaits task; whenever a timer is armed meanwhile, advances the clock by its due time, unless shouldAdvance says no
    // (for example for the attempt timeout, which should fire only when the test means it). A null shouldAdvance
    // advances for every timer.
    public async Task<T> DriveAsync<T>(Task<T> task, Func<TimeSpan, bool>? shouldAdvance = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        while (true)
        {
            var armed = _armed.Reader.WaitToReadAsync().AsTask();
            if (await Task.WhenAny(task, armed).ConfigureAwait(false) == task)
            {
                return await task.ConfigureAwait(false);
            }

            // One timer at a time, checking the task in between: code that re-arms a timer synchronously from its callback
            // (a polling loop) would otherwise keep this loop advancing forever.
            if (_armed.Reader.TryRead(out var due))
            {
                if (shouldAdvance is null || shouldAdvance(due))
                {
                    Advance(due);
                }
            }
        }
    }

    private void Report(TimeSpan dueTime)
    {
        if (dueTime > TimeSpan.Zero && dueTime != Timeout.InfiniteTimeSpan)
        {
            _armed.Writer.TryWrite(dueTime);
        }
    }

    private sealed class ReportingTimer(ITimer inner, SignallingTimeProvider owner) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            var changed = inner.Change(dueTime, period);
            owner.Report(dueTime);
            return changed;
        }

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
