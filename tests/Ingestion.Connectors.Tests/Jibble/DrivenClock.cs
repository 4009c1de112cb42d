using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace Ingestion.Connectors.Tests.Jibble;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that reports every timer armed (a backoff, a Retry-After wait, an attempt timeout), so
/// <see cref="DriveAsync{T}"/> can move the clock exactly when something waits, without real sleeps.
/// </summary>
public sealed class DrivenClock : FakeTimeProvider
{
    private readonly Channel<TimeSpan> _armed = Channel.CreateUnbounded<TimeSpan>();

    public DrivenClock(DateTimeOffset start)
        : base(start)
    {
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ReportingTimer(base.CreateTimer(callback, state, dueTime, period), this);
        Report(dueTime);
        return timer;
    }

    /// <summary>Awaits <paramref name="task"/>, advancing the clock by each armed timer's due time that <paramref name="shouldAdvance"/> accepts.</summary>
    public async Task<T> DriveAsync<T>(Task<T> task, Func<TimeSpan, bool>? shouldAdvance = null)
    {
        while (true)
        {
            var armed = _armed.Reader.WaitToReadAsync().AsTask();
            if (await Task.WhenAny(task, armed) == task)
            {
                return await task;
            }

            while (_armed.Reader.TryRead(out var due))
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

    private sealed class ReportingTimer(ITimer inner, DrivenClock owner) : ITimer
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
