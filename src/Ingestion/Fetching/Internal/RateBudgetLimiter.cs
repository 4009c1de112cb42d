using System.Threading.RateLimiting;

namespace Ingestion.Fetching.Internal;

/// <summary>
/// A request budget (of a source, shared by all its streams, or of streams that share one <see cref="RateBudget"/>) as a
/// <see cref="RateLimiter"/> for the rate limiter strategy of the source's resilience pipeline: chained sliding windows (per
/// second, minute and hour) plus a hold learned from the API's own headers. Each window lets at most its limit of requests start
/// within its length of the end of an earlier one: a permit is counted from when its request ends (the lease is released after
/// the attempt), and a permit whose request is still in flight blocks the one that would need its place. So the requests a server
/// stamps on arrival, somewhere between a permit and its release, never exceed the limit in any window of its length, fixed or
/// sliding, however late they arrive (a token bucket would let twice the limit through around a fixed window's edge). The
/// limiters System.Threading.RateLimiting ships run on their own timer from the system clock; these read
/// <see cref="TimeProvider"/> timestamps and waits run on its timers, so a fake clock drives it in tests. A caller reserves its
/// place before waiting, which keeps concurrent callers fair; a cancelled wait gives its place back as used now. A wait longer than
/// <see cref="MaxWait"/> is refused at once, with the wait it would have needed as the lease's <see cref="MetadataName.RetryAfter"/>.
/// </summary>
internal sealed class RateBudgetLimiter : RateLimiter
{
    private readonly TimeProvider _time;
    private readonly Bucket[] _buckets;
    private readonly Lock _lock = new();
    private DateTimeOffset _holdUntil = DateTimeOffset.MinValue;
    private TaskCompletionSource _released = NewSignal();

    public RateBudgetLimiter(RateBudget? budget, TimeProvider time)
    {
        _time = time;
        MaxWait = budget?.MaxWait ?? TimeSpan.FromMinutes(2);
        var buckets = new List<Bucket>(3);
        if (budget?.PerSecond is > 0 and var perSecond)
        {
            buckets.Add(new Bucket(perSecond, TimeSpan.FromSeconds(1)));
        }

        if (budget?.PerMinute is > 0 and var perMinute)
        {
            buckets.Add(new Bucket(perMinute, TimeSpan.FromMinutes(1)));
        }

        if (budget?.PerHour is > 0 and var perHour)
        {
            buckets.Add(new Bucket(perHour, TimeSpan.FromHours(1)));
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
            if (wait is not { } free || free > TimeSpan.Zero)
            {
                return BudgetLease.Refused(wait ?? TimeSpan.Zero);
            }

            return Take(permitCount);
        }
    }

    /// <summary>
    /// Takes permits, waiting for them when needed (and for requests still in flight whose place they need); refuses at once,
    /// taking nothing, when the wait would exceed <see cref="MaxWait"/>.
    /// </summary>
    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        TimeSpan wait;
        BudgetLease lease;
        while (true)
        {
            Task released;
            lock (_lock)
            {
                if (WaitFor(permitCount) is { } free)
                {
                    if (free > MaxWait)
                    {
                        return BudgetLease.Refused(free);
                    }

                    wait = free;
                    lease = Take(permitCount);
                    break;
                }

                released = _released.Task;
            }

            await released.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        if (wait > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                lease.Dispose();
                throw;
            }
        }

        return lease;
    }

    // Called under the lock: the wait until permitCount more fit, or null while a request in flight holds a place they need.
    private TimeSpan? WaitFor(int permitCount)
    {
        var now = _time.GetTimestamp();
        var wait = _holdUntil > _time.GetUtcNow() ? _holdUntil - _time.GetUtcNow() : TimeSpan.Zero;
        foreach (var bucket in _buckets)
        {
            if (bucket.WaitFor(permitCount, now, _time.TimestampFrequency) is not { } bucketWait)
            {
                return null;
            }

            if (bucketWait > wait)
            {
                wait = bucketWait;
            }
        }

        return wait;
    }

    // Called under the lock: holds the permits' places as in flight until the lease is released.
    private BudgetLease Take(int permitCount)
    {
        if (_buckets.Length == 0)
        {
            return BudgetLease.Granted;
        }

        var places = new (Bucket, int)[_buckets.Length * permitCount];
        var n = 0;
        foreach (var bucket in _buckets)
        {
            for (var i = 0; i < permitCount; i++)
            {
                places[n++] = (bucket, bucket.Take());
            }
        }

        return new BudgetLease(this, places);
    }

    // A lease's request ended: its places count from now, and callers waiting for them look again.
    private void Release((Bucket Bucket, int Place)[] places)
    {
        TaskCompletionSource released;
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            foreach (var (bucket, place) in places)
            {
                bucket.Release(place, now);
            }

            released = _released;
            _released = NewSignal();
        }

        released.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

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
    /// At most <c>capacity</c> requests per <c>period</c>: the end times of the last <c>capacity</c> requests in a ring (a request
    /// in flight holds its place as <see cref="InFlight"/>); a new one may start once the place it takes over is a period old.
    /// </summary>
    private sealed class Bucket(int capacity, TimeSpan period)
    {
        private const long InFlight = long.MaxValue;
        private readonly long[] _ended = Enumerable.Repeat(long.MinValue, capacity).ToArray();
        private int _next;

        public TimeSpan? WaitFor(int permits, long now, long frequency)
        {
            if (permits > capacity)
            {
                return TimeSpan.MaxValue;
            }

            var latest = long.MinValue;
            for (var i = 0; i < permits; i++)
            {
                var ended = _ended[(_next + i) % capacity];
                if (ended == InFlight)
                {
                    return null;
                }

                latest = Math.Max(latest, ended);
            }

            if (latest == long.MinValue)
            {
                return TimeSpan.Zero;
            }

            var free = latest + (long)(period.TotalSeconds * frequency);
            return free <= now ? TimeSpan.Zero : TimeSpan.FromSeconds((free - now) / (double)frequency);
        }

        public int Take()
        {
            var place = _next;
            _ended[place] = InFlight;
            _next = (_next + 1) % capacity;
            return place;
        }

        public void Release(int place, long now)
        {
            if (_ended[place] == InFlight)
            {
                _ended[place] = now;
            }
        }
    }

    /// <summary>
    /// A granted permit, whose places in the windows count from when it is released (after the attempt), or a refusal saying how
    /// long it would have taken.
    /// </summary>
    private sealed class BudgetLease : RateLimitLease
    {
        public static readonly BudgetLease Granted = new(null, null, acquired: true, retryAfter: null);

        private readonly RateBudgetLimiter? _owner;
        private (Bucket, int)[]? _places;
        private readonly TimeSpan? _retryAfter;

        public BudgetLease(RateBudgetLimiter owner, (Bucket, int)[] places)
            : this(owner, places, acquired: true, retryAfter: null)
        {
        }

        private BudgetLease(RateBudgetLimiter? owner, (Bucket, int)[]? places, bool acquired, TimeSpan? retryAfter)
        {
            _owner = owner;
            _places = places;
            IsAcquired = acquired;
            _retryAfter = retryAfter;
        }

        public override bool IsAcquired { get; }

        public override IEnumerable<string> MetadataNames => _retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public static BudgetLease Refused(TimeSpan wait) => new(null, null, acquired: false, wait);

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (_retryAfter is { } wait && metadataName == MetadataName.RetryAfter.Name)
            {
                metadata = wait;
                return true;
            }

            metadata = null;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && Interlocked.Exchange(ref _places, null) is { } places)
            {
                _owner?.Release(places);
            }

            base.Dispose(disposing);
        }
    }
}
