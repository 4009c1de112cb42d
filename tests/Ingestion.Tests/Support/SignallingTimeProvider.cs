using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace Ingestion.Tests.Support;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that reports every timer the code under test arms (a backoff delay, a timeout,
/// a budget wait), so a test can move the clock exactly when something starts waiting, without real sleeps.
/// <see cref="DriveAsync{T}"/> does that in a loop until the awaited task completes.
/// </summary>
public sealed class SignallingTimeProvider : FakeTimeProvider
{
    private readonly Channel<TimeSpan> _armed = Channel.CreateUnbounded<TimeSpan>();

    /// <summary>Creates a clock starting at 2025-03-01 08:00:00 UTC.</summary>
    public SignallingTimeProvider()
        : base(new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero))
    {
    }

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ReportingTimer(base.CreateTimer(callback, state, dueTime, period), this);
        Report(dueTime);
        return timer;
    }

    /// <summary>
    /// Awaits <paramref name="task"/>; whenever a timer is armed meanwhile, advances the clock by its due time, unless
    /// <paramref name="shouldAdvance"/> says no (for example for the attempt timeout, which should fire only when the test means it).
    /// </summary>
    /// <typeparam name="T">The task's result type.</typeparam>
    /// <param name="task">The operation under test.</param>
    /// <param name="shouldAdvance">Decides per armed due time; <see langword="null"/> advances for every timer.</param>
    /// <returns>The task's result.</returns>
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
