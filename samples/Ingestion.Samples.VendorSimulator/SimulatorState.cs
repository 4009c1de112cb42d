using System.Collections.Concurrent;

namespace Ingestion.Samples.VendorSimulator;

/// <summary>
/// Everything a simulator serves: options, data, faults, the request log and the issued tokens and sessions.
/// Create one and pass it to <see cref="VendorSimulatorEndpoints.MapVendorSimulator"/> to host the simulator in an
/// existing application, or let <see cref="VendorSimulator.StartAsync"/> create it.
/// </summary>
public sealed class SimulatorState
{
    /// <summary>Creates the state and generates the data.</summary>
    public SimulatorState(SimulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        Data = new SimulatorData(options);
        RateLimitsEnabled = options.EnforceRateLimits;
        Limiter = new FixedWindowLimiter(options);
    }

    /// <summary>The options.</summary>
    public SimulatorOptions Options { get; }

    /// <summary>The simulated records and their mutation methods.</summary>
    public SimulatorData Data { get; }

    /// <summary>Fault rules, switchable at run time.</summary>
    public FaultRegistry Faults { get; } = new();

    /// <summary>Every request received.</summary>
    public RequestLog Requests { get; } = new();

    /// <summary>Whether each vendor's rate limit is enforced (initially <see cref="SimulatorOptions.EnforceRateLimits"/>).</summary>
    public bool RateLimitsEnabled { get; set; }

    internal ConcurrentDictionary<string, DateTimeOffset> JibbleTokens { get; } = new(StringComparer.Ordinal);

    internal ConcurrentDictionary<string, DateTimeOffset> FinaleSessions { get; } = new(StringComparer.Ordinal);

    internal FixedWindowLimiter Limiter { get; }

    /// <summary>Makes every issued Jibble token expire now (the next API call answers 401).</summary>
    public void ExpireJibbleTokens()
    {
        foreach (var key in JibbleTokens.Keys)
        {
            JibbleTokens[key] = DateTimeOffset.MinValue;
        }
    }

    /// <summary>Ends every Finale session (the next cookie-authenticated call answers 401).</summary>
    public void ExpireFinaleSessions() => FinaleSessions.Clear();

    /// <summary>Number of Jibble tokens issued so far.</summary>
    public int JibbleTokensIssued => JibbleTokens.Count;
}

/// <summary>One received request.</summary>
public sealed class RecordedRequest
{
    internal RecordedRequest(Vendor vendor, string method, string path, string relativePath, string query, DateTimeOffset timestamp)
    {
        Vendor = vendor;
        Method = method;
        Path = path;
        RelativePath = relativePath;
        Query = query;
        Timestamp = timestamp;
    }

    /// <summary>Vendor addressed.</summary>
    public Vendor Vendor { get; }

    /// <summary>HTTP method.</summary>
    public string Method { get; }

    /// <summary>Full request path.</summary>
    public string Path { get; }

    /// <summary>Path after the vendor prefix (what fault patterns match).</summary>
    public string RelativePath { get; }

    /// <summary>Raw query string including the leading <c>?</c>, or empty.</summary>
    public string Query { get; }

    /// <summary>When it arrived (simulator clock).</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>Status code sent (0 while in flight or when the connection was dropped before headers).</summary>
    public int StatusCode { get; internal set; }

    /// <summary>Fault applied to it, if any.</summary>
    public FaultKind? Fault { get; internal set; }

    /// <inheritdoc />
    public override string ToString() => $"{Method} {Path}{Query} -> {StatusCode}";
}

/// <summary>Log of received requests with per-vendor concurrency tracking.</summary>
public sealed class RequestLog
{
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly int[] _inFlight = new int[3];
    private readonly int[] _maxInFlight = new int[3];

    /// <summary>All requests so far, in arrival order.</summary>
    public IReadOnlyList<RecordedRequest> All => [.. _requests];

    /// <summary>Requests of one vendor whose relative path matches the glob (see <see cref="FaultRule"/>).</summary>
    public IReadOnlyList<RecordedRequest> For(Vendor vendor, string? pathPattern = null) =>
        [.. _requests.Where(r => r.Vendor == vendor && Glob.IsMatch(pathPattern, r.RelativePath))];

    /// <summary>Number of requests of one vendor whose relative path matches the glob.</summary>
    public int Count(Vendor vendor, string? pathPattern = null) =>
        _requests.Count(r => r.Vendor == vendor && Glob.IsMatch(pathPattern, r.RelativePath));

    /// <summary>Highest number of simultaneous in-flight requests seen for a vendor.</summary>
    public int MaxConcurrency(Vendor vendor) => Volatile.Read(ref _maxInFlight[(int)vendor]);

    /// <summary>Forgets all requests and resets the concurrency high-water marks.</summary>
    public void Clear()
    {
        _requests.Clear();
        for (var i = 0; i < _maxInFlight.Length; i++)
        {
            Volatile.Write(ref _maxInFlight[i], Volatile.Read(ref _inFlight[i]));
        }
    }

    internal RecordedRequest Begin(RecordedRequest request)
    {
        _requests.Enqueue(request);
        var index = (int)request.Vendor;
        var now = Interlocked.Increment(ref _inFlight[index]);
        int seen;
        while (now > (seen = Volatile.Read(ref _maxInFlight[index])))
        {
            if (Interlocked.CompareExchange(ref _maxInFlight[index], now, seen) == seen)
            {
                break;
            }
        }

        return request;
    }

    internal void End(RecordedRequest request, int statusCode)
    {
        request.StatusCode = statusCode;
        Interlocked.Decrement(ref _inFlight[(int)request.Vendor]);
    }
}

/// <summary>Fixed-window request counter per vendor on the simulator clock.</summary>
internal sealed class FixedWindowLimiter(SimulatorOptions options)
{
    private readonly Lock _gate = new();
    // One fixed window per vendor, and a fourth for Finale's collection requests per hour.
    private const int FinaleCollections = 3;
    private readonly long[] _window = new long[4];
    private readonly int[] _count = new int[4];

    public (int Limit, TimeSpan Window) PolicyFor(Vendor vendor) => vendor switch
    {
        Vendor.Employes => (options.EmployesRequestsPerSecond, TimeSpan.FromSeconds(1)),
        Vendor.Jibble => (options.JibbleRequestsPerMinute, TimeSpan.FromMinutes(1)),
        _ => (options.FinaleRequestsPerMinute, TimeSpan.FromMinutes(1)),
    };

    /// <summary>Counts a request; false with the window's end when over the limit.</summary>
    public bool TryAcquire(Vendor vendor, out DateTimeOffset resetAt)
    {
        var (limit, window) = PolicyFor(vendor);
        return TryAcquire((int)vendor, limit, window, out resetAt);
    }

    /// <summary>Counts a Finale collection request against the per-hour limit; false with the hour's end when over it.</summary>
    public bool TryAcquireFinaleCollection(out DateTimeOffset resetAt)
    {
        resetAt = default;
        return options.FinaleCollectionRequestsPerHour <= 0
            || TryAcquire(FinaleCollections, options.FinaleCollectionRequestsPerHour, TimeSpan.FromHours(1), out resetAt);
    }

    private bool TryAcquire(int v, int limit, TimeSpan window, out DateTimeOffset resetAt)
    {
        var now = options.TimeProvider.GetUtcNow();
        var windowMs = (long)window.TotalMilliseconds;
        var index = now.ToUnixTimeMilliseconds() / windowMs;
        resetAt = DateTimeOffset.FromUnixTimeMilliseconds((index + 1) * windowMs);
        lock (_gate)
        {
            if (_window[v] != index)
            {
                _window[v] = index;
                _count[v] = 0;
            }

            _count[v]++;
            return _count[v] <= limit;
        }
    }
}
