using System.Threading.RateLimiting;

namespace Ingestion.Fetching.Internal;

/// <summary>
/// The request budget of one source, shared by all its streams, as a <see cref="RateLimiter"/> for the rate limiter strategy of
/// the source's resilience pipeline: chained token buckets (per second, minute and hour) plus a hold learned from the API's own
/// headers. The limiters System.Threading.RateLimiting ships refill on their own timer from the system clock; these tokens refill
/// from <see cref="TimeProvider"/> timestamps and waits run on its timers, so a fake clock drives it in tests. A caller reserves
/// its permit before waiting, which keeps concurrent callers fair; a cancelled wait gives the permit back. A wait longer than
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

            Take(permitCount);
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

            Take(permitCount);
        }

        if (wait > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                lock (_lock)
                {
                    Take(-permitCount);
                }

                throw;
            }
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

    // Called under the lock; a negative count gives permits back.
    private void Take(int permitCount)
    {
        foreach (var bucket in _buckets)
        {
            bucket.Tokens -= permitCount;
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

    private sealed class Bucket(int capacity, TimeSpan period, long start)
    {
        private readonly double _tokensPerSecond = capacity / period.TotalSeconds;
        private long _lastRefill = start;

        public double Tokens { get; set; } = capacity;

        public TimeSpan WaitFor(int permits, long now, long frequency)
        {
            var elapsedSeconds = (now - _lastRefill) / (double)frequency;
            if (elapsedSeconds > 0)
            {
                Tokens = Math.Min(capacity, Tokens + (elapsedSeconds * _tokensPerSecond));
                _lastRefill = now;
            }

            return Tokens >= permits ? TimeSpan.Zero : TimeSpan.FromSeconds((permits - Tokens) / _tokensPerSecond);
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
