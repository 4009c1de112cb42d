using System.Threading.RateLimiting;

namespace Ingestion.Fetching.Internal;

/// <summary>
/// The request budget of one source, shared by all its streams, as a <see cref="RateLimiter"/> for the rate limiter strategy of
/// the source's resilience pipeline: chained sliding windows (per second, minute and hour) plus a hold learned from the API's own
/// headers. Each window grants at most its limit in any span of its length (a token bucket would let twice the limit through
/// around the edge of a server's fixed window, which such a server answers with 429). The limiters System.Threading.RateLimiting
/// ships run on their own timer from the system clock; these read <see cref="TimeProvider"/> timestamps and waits run on its
/// timers, so a fake clock drives it in tests. A caller reserves its permit (the instant it may send) before waiting, which keeps
/// concurrent callers fair; a cancelled wait keeps its reservation, erring on the side of fewer requests. A wait longer than
/// <see cref="MaxWait"/> is refused at once, with the wait it would have needed as the lease's <see cref="MetadataName.RetryAfter"/>.
/// </summary>
internal sealed class RateBudgetLimiter : RateLimiter
{
    private readonly TimeProvider _time;
    private readonly Bucket[] _buckets;
    private readonly Lock _lock = new();
    private DateTimeOffset _holdUntil = DateTimeOffset.MinValue;

    public RateBudgetLimiter(RateBudget? budget, TimeProvider time)
    {
        _time = time;
        MaxWait = budget?.MaxWait ?? TimeSpan.FromMinutes(2);
        var buckets = new List<Bucket>(3);
        var start = time.GetTimestamp();
        if (budget?.PerSecond is > 0 and var perSecond)
        {
            buckets.Add(new Bucket(perSecond, TimeSpan.FromSeconds(1), start));
        }

        if (budget?.PerMinute is > 0 and var perMinute)
        {
            buckets.Add(new Bucket(perMinute, TimeSpan.FromMinutes(1), start));
        }

        if (budget?.PerHour is > 0 and var perHour)
        {
            buckets.Add(new Bucket(perHour, TimeSpan.FromHours(1), start));
        }

        _buckets = [.. buckets];
    }

    public TimeSpan MaxWait { get; }

    /// <inheritdoc />
    public override TimeSpan? IdleDuration => null;

    /// <inheritdoc />
    public override RateLimiterStatistics? GetStatistics() => null;

    /// <summary>Takes one permit only when none needs waiting for.</summary>
    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        lock (_lock)
        {
            var wait = WaitFor(permitCount);
            if (wait > TimeSpan.Zero)
            {
                return BudgetLease.Refused(wait);
            }

            Take(permitCount, _time.GetTimestamp());
            return BudgetLease.Granted;
        }
    }

    /// <summary>
    /// Takes permits, waiting for them when needed; refuses at once, taking nothing, when the wait would exceed <see cref="MaxWait"/>.
    /// </summary>
    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        TimeSpan wait;
        lock (_lock)
        {
            wait = WaitFor(permitCount);
            if (wait > MaxWait)
            {
                return BudgetLease.Refused(wait);
            }

            Take(permitCount, _time.GetTimestamp() + (long)(wait.TotalSeconds * _time.TimestampFrequency));
        }

        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }

        return BudgetLease.Granted;
    }

    // Called under the lock.
    private TimeSpan WaitFor(int permitCount)
    {
        var now = _time.GetTimestamp();
        var wait = _holdUntil > _time.GetUtcNow() ? _holdUntil - _time.GetUtcNow() : TimeSpan.Zero;
        foreach (var bucket in _buckets)
        {
            var bucketWait = bucket.WaitFor(permitCount, now, _time.TimestampFrequency);
            if (bucketWait > wait)
            {
                wait = bucketWait;
            }
        }

        return wait;
    }

    // Called under the lock: records the permits as sent at the timestamp 'at'.
    private void Take(int permitCount, long at)
    {
        foreach (var bucket in _buckets)
        {
            bucket.Take(permitCount, at);
        }
    }

    /// <summary>Learns from a response: a spent window (<c>X-RateLimit-Remaining: 0</c>) or a 429's wait holds every permit until it passes.</summary>
    public void Observe(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var now = _time.GetUtcNow();
        DateTimeOffset? until = null;
        if ((int)response.StatusCode == 429)
        {
            if (RateLimitHeaders.RequestedWait(response.Headers, now) is { } wait)
            {
                until = now + wait;
            }
        }
        else if (RateLimitHeaders.Remaining(response.Headers) is 0 && RateLimitHeaders.ResetAt(response.Headers, now) is { } reset && reset > now)
        {
            until = reset;
        }

        if (until is { } holdUntil)
        {
            lock (_lock)
            {
                if (holdUntil > _holdUntil)
                {
                    _holdUntil = holdUntil;
                }
            }
        }
    }

    /// <summary>
    /// At most <c>capacity</c> permits in any span of <c>period</c>: the send instants of the last <c>capacity</c> permits, oldest
    /// first in a ring; a new permit may go once the oldest of them is a whole period old.
    /// </summary>
    private sealed class Bucket(int capacity, TimeSpan period, long start)
    {
        private readonly long[] _sent = Enumerable.Repeat(long.MinValue, capacity).ToArray();
        private readonly TimeSpan _period = period;
        private readonly long _start = start;
        private int _oldest;

        public TimeSpan WaitFor(int permits, long now, long frequency)
        {
            if (permits > capacity)
            {
                return TimeSpan.MaxValue;
            }

            // The permits-th oldest send must be a period old for 'permits' more to fit in the window.
            var sent = _sent[(_oldest + permits - 1) % capacity];
            if (sent == long.MinValue)
            {
                return TimeSpan.Zero;
            }

            var periodTicks = (long)(_period.TotalSeconds * frequency);
            var free = sent + periodTicks;
            return free <= now ? TimeSpan.Zero : TimeSpan.FromSeconds((free - now) / (double)frequency);
        }

        public void Take(int permits, long at)
        {
            for (var i = 0; i < permits; i++)
            {
                _sent[_oldest] = Math.Max(at, _start);
                _oldest = (_oldest + 1) % capacity;
            }
        }
    }

    /// <summary>A granted permit (nothing to give back: permits refill with time), or a refusal saying how long it would have taken.</summary>
    private sealed class BudgetLease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public static readonly BudgetLease Granted = new(acquired: true, retryAfter: null);

        public override bool IsAcquired { get; } = acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public static BudgetLease Refused(TimeSpan wait) => new(acquired: false, wait);

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (retryAfter is { } wait && metadataName == MetadataName.RetryAfter.Name)
            {
                metadata = wait;
                return true;
            }

            metadata = null;
            return false;
        }
    }
}
