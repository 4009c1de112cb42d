using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Ingestion.Samples.VendorSimulator;

/// <summary>Kinds of injected faults.</summary>
public enum FaultKind
{
    /// <summary>429 with the vendor's body and headers (or the chosen <see cref="RateLimitHeaderStyle"/>).</summary>
    RateLimitBurst,

    /// <summary>5xx with the vendor's error body (<see cref="FaultRule.StatusCode"/>, default 500).</summary>
    ServerErrorBurst,

    /// <summary>
    /// Waits <see cref="FaultRule.Delay"/> on the simulator's clock (<see cref="SimulatorOptions.TimeProvider"/>) before
    /// answering normally; stops if the request is aborted. With a fake clock the response is held until the test moves the
    /// clock (or the client gives up), so a test decides when it ends instead of racing a real delay.
    /// </summary>
    SlowResponse,

    /// <summary>Sends the headers and part of the body, then aborts the connection.</summary>
    DropConnection,

    /// <summary>Sends a complete response whose body is only the first half of the real one.</summary>
    TruncatedBody,

    /// <summary>Sends 200 with a body that is not valid JSON.</summary>
    MalformedBody,

    /// <summary>401 with the vendor's body even for a valid token or session.</summary>
    ExpiredToken,

    /// <summary>Finale CSV report with only the header row (or zero bytes when <see cref="FaultRule.ZeroByteCsv"/>).</summary>
    EmptyCsvReport,

    /// <summary>Collections (Finale, Jibble) cap results at <see cref="FaultRule.Cap"/> without any indication.</summary>
    SilentTruncation,
}

/// <summary>Which headers a <see cref="FaultKind.RateLimitBurst"/> 429 carries.</summary>
public enum RateLimitHeaderStyle
{
    /// <summary>What the vendor sends: Employes none, Jibble <c>Retry-After</c> seconds, Finale <c>X-RateLimit-*</c> with Reset in epoch milliseconds.</summary>
    VendorDefault,

    /// <summary>No rate-limit headers at all.</summary>
    None,

    /// <summary><c>Retry-After: &lt;seconds&gt;</c>.</summary>
    RetryAfterSeconds,

    /// <summary><c>Retry-After: &lt;HTTP date&gt;</c>.</summary>
    RetryAfterHttpDate,

    /// <summary><c>X-RateLimit-Reset</c> as epoch seconds (plus Limit and Remaining).</summary>
    ResetEpochSeconds,

    /// <summary><c>X-RateLimit-Reset</c> as epoch milliseconds (plus Limit and Remaining).</summary>
    ResetEpochMilliseconds,
}

/// <summary>
/// One fault injection rule. <paramref name="PathPattern"/> is a case-insensitive glob (<c>*</c> matches any run of
/// characters, including <c>/</c>) over the vendor-relative path, e.g. <c>/v4/*/employees</c> (Employes),
/// <c>/v1/TimeEntries</c> or <c>/connect/token</c> (Jibble), <c>/*/api/order/</c> (Finale). <c>null</c> or <c>*</c> matches all.
/// </summary>
/// <param name="Vendor">Vendor the rule applies to.</param>
/// <param name="PathPattern">Glob over the vendor-relative path.</param>
/// <param name="Kind">The fault.</param>
/// <param name="Times">How many matching requests get the fault; <see cref="int.MaxValue"/> for all of them.</param>
public sealed class FaultRule(Vendor Vendor, string? PathPattern, FaultKind Kind, int Times = 1)
{
    private readonly Lock _waitersGate = new();
    private readonly List<(int Times, TaskCompletionSource Done)> _waiters = [];
    private int _skipped;
    private int _fired;
    private int _applied;

    /// <summary>Vendor the rule applies to.</summary>
    public Vendor Vendor { get; } = Vendor;

    /// <summary>Glob over the vendor-relative path (null: every path).</summary>
    public string? PathPattern { get; } = PathPattern;

    /// <summary>The fault.</summary>
    public FaultKind Kind { get; } = Kind;

    /// <summary>How many matching requests get the fault; <see cref="int.MaxValue"/> for all of them.</summary>
    public int Times { get; } = Times;

    /// <summary>Matching requests to let through untouched before the fault starts.</summary>
    public int Skip { get; init; }

    /// <summary>Only this HTTP method (null: any).</summary>
    public string? Method { get; init; }

    /// <summary>Status for <see cref="FaultKind.ServerErrorBurst"/> (default 500).</summary>
    public int StatusCode { get; init; } = 500;

    /// <summary>Delay for <see cref="FaultKind.SlowResponse"/>, on the simulator's clock.</summary>
    public TimeSpan Delay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Wait advertised by <see cref="FaultKind.RateLimitBurst"/>.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Headers of a <see cref="FaultKind.RateLimitBurst"/> 429.</summary>
    public RateLimitHeaderStyle RateLimitStyle { get; init; } = RateLimitHeaderStyle.VendorDefault;

    /// <summary>Row cap of <see cref="FaultKind.SilentTruncation"/>.</summary>
    public int Cap { get; init; } = 100;

    /// <summary>For <see cref="FaultKind.EmptyCsvReport"/>: zero-byte body instead of the header row only.</summary>
    public bool ZeroByteCsv { get; init; }

    /// <summary>How many times the fault has been applied.</summary>
    public int Fired => Volatile.Read(ref _fired);

    /// <summary>
    /// Completes when the fault is first applied, so a test can act while a faulted request is in flight (for example move a
    /// fake clock past the client's attempt timeout during a <see cref="FaultKind.SlowResponse"/>) without polling.
    /// </summary>
    public Task FirstFired => WhenFired(1);

    /// <summary>
    /// Completes when the fault has been applied at least <paramref name="times"/> times, so a test can act on each faulted
    /// request while it is in flight (for example time out every attempt of a retried <see cref="FaultKind.SlowResponse"/>).
    /// A <see cref="FaultKind.SlowResponse"/> counts as applied once its delay has started on the simulator's clock, so
    /// moving a fake clock after this completes always reaches that delay.
    /// </summary>
    /// <param name="times">How many applications to wait for; 1 or more.</param>
    /// <returns>A task that completes once the fault was applied that often; it never completes if the rule stops firing.</returns>
    public Task WhenFired(int times)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(times, 1);
        lock (_waitersGate)
        {
            if (Volatile.Read(ref _applied) >= times)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((times, done));
            return done.Task;
        }
    }

    /// <summary>Whether the rule can still fire.</summary>
    public bool IsExhausted => Times != int.MaxValue && Fired >= Times;

    internal bool Matches(Vendor vendor, string method, string relativePath) =>
        vendor == Vendor
        && (Method is null || string.Equals(Method, method, StringComparison.OrdinalIgnoreCase))
        && Glob.IsMatch(PathPattern, relativePath);

    /// <inheritdoc />
    public override string ToString() => $"{Kind} on {Vendor} {PathPattern ?? "*"} ({Fired}/{(Times == int.MaxValue ? "all" : Times)})";

    internal bool TryFire()
    {
        if (Skip > 0 && Interlocked.Increment(ref _skipped) <= Skip)
        {
            return false;
        }

        if (Times == int.MaxValue)
        {
            Interlocked.Increment(ref _fired);
            AppliedUnlessSlow();
            return true;
        }

        while (true)
        {
            var current = Volatile.Read(ref _fired);
            if (current >= Times)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _fired, current + 1, current) == current)
            {
                AppliedUnlessSlow();
                return true;
            }
        }
    }

    private void AppliedUnlessSlow()
    {
        if (Kind != FaultKind.SlowResponse)
        {
            Applied();
        }
    }

    // The pipeline calls this for a slow response once its delay has started; every other kind is applied when it fires.
    internal void Applied()
    {
        lock (_waitersGate)
        {
            var applied = Interlocked.Increment(ref _applied);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Times <= applied)
                {
                    _waiters[i].Done.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}

/// <summary>Fault rules, switchable at run time. Rules are tried in the order they were added.</summary>
public sealed class FaultRegistry
{
    private readonly Lock _gate = new();
    private readonly List<FaultRule> _rules = [];

    /// <summary>Adds a rule and returns it (its <see cref="FaultRule.Fired"/> count can be asserted later).</summary>
    public FaultRule Add(FaultRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        lock (_gate)
        {
            _rules.Add(rule);
        }

        return rule;
    }

    /// <summary>Removes a rule.</summary>
    public bool Remove(FaultRule rule)
    {
        lock (_gate)
        {
            return _rules.Remove(rule);
        }
    }

    /// <summary>Removes every rule.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _rules.Clear();
        }
    }

    /// <summary>Current rules.</summary>
    public IReadOnlyList<FaultRule> Rules
    {
        get
        {
            lock (_gate)
            {
                return [.. _rules];
            }
        }
    }

    internal FaultRule? TryTake(Vendor vendor, string method, string relativePath, Func<FaultKind, bool> kinds)
    {
        FaultRule[] snapshot;
        lock (_gate)
        {
            if (_rules.Count == 0)
            {
                return null;
            }

            snapshot = [.. _rules];
        }

        foreach (var rule in snapshot)
        {
            if (kinds(rule.Kind) && !rule.IsExhausted && rule.Matches(vendor, method, relativePath) && rule.TryFire())
            {
                return rule;
            }
        }

        return null;
    }
}

internal static class Glob
{
    private static readonly ConcurrentDictionary<string, Regex> Cache = new(StringComparer.Ordinal);

    public static bool IsMatch(string? pattern, string path)
    {
        if (string.IsNullOrEmpty(pattern) || pattern == "*")
        {
            return true;
        }

        var regex = Cache.GetOrAdd(pattern, static p => new Regex(
            "^" + Regex.Escape(p).Replace("\\*", ".*", StringComparison.Ordinal) + "$",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant));
        return regex.IsMatch(path);
    }
}
