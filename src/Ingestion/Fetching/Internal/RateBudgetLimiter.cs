namespace Ingestion.Fetching.Internal;

/// <summary>
/// The request budget of one source, shared by all its streams: chained token buckets (per second, minute and hour)
/// plus a hold learned from the API's own headers. Tokens refill from <see cref="TimeProvider"/> timestamps and waits
/// run on its timers, so a fake clock drives it in tests. A caller reserves its permit before waiting, which keeps
/// concurrent callers fair; a cancelled wait gives the permit back.
/// </summary>
internal sealed class RateBudgetLimiter
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

    /// <summary>
    /// Takes one permit, waiting for it when needed. Returns <see langword="null"/> when granted, or the wait that
    /// would have been needed when it exceeds <see cref="MaxWait"/> (nothing is taken then).
    /// </summary>
    public async ValueTask<TimeSpan?> AcquireAsync(CancellationToken cancellationToken)
    {
        TimeSpan wait;
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            wait = _holdUntil > _time.GetUtcNow() ? _holdUntil - _time.GetUtcNow() : TimeSpan.Zero;
            foreach (var bucket in _buckets)
            {
                var bucketWait = bucket.WaitForOne(now, _time.TimestampFrequency);
                if (bucketWait > wait)
                {
                    wait = bucketWait;
                }
            }

            if (wait > MaxWait)
            {
                return wait;
            }

            foreach (var bucket in _buckets)
            {
                bucket.Tokens -= 1;
            }
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
                    foreach (var bucket in _buckets)
                    {
                        bucket.Tokens += 1;
                    }
                }

                throw;
            }
        }

        return null;
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

        public TimeSpan WaitForOne(long now, long frequency)
        {
            var elapsedSeconds = (now - _lastRefill) / (double)frequency;
            if (elapsedSeconds > 0)
            {
                Tokens = Math.Min(capacity, Tokens + (elapsedSeconds * _tokensPerSecond));
                _lastRefill = now;
            }

            return Tokens >= 1 ? TimeSpan.Zero : TimeSpan.FromSeconds((1 - Tokens) / _tokensPerSecond);
        }
    }
}
