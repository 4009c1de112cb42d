using Microsoft.Extensions.Logging;

namespace Ingestion.Fetching.Internal;

/// <summary>
/// What one source's requests share across streams and across the rotation of HTTP handlers: the rate budget, the hosts it
/// trusts and the authentication context. Its resilience pipeline lives in the registry of Microsoft.Extensions.Http.Resilience
/// under <see cref="PipelineKey"/>, built from <see cref="SourceDefinition.Resilience"/> by <see cref="SourcePipeline"/>.
/// </summary>
internal sealed class SourceHttpState
{
    private static long _generations;
    private readonly Func<HttpClient> _authClient;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<RateBudget, RateBudgetLimiter> _streamBudgets = new(ReferenceEqualityComparer.Instance);
    private AuthenticationContext? _authenticationContext;
    private CancellationTokenSource? _spareTimeout;

    public SourceHttpState(SourceDefinition source, TimeProvider time, ILogger logger, Func<HttpClient> authClient)
    {
        Source = source;
        Time = time;
        Logger = logger;
        _authClient = authClient;
        var declared = source.Authenticator?.SecretQueryParameters ?? [];
        SecretQueryParameters = declared.Count == 0 ? [] : [.. declared];
        Budget = new RateBudgetLimiter(source.RateBudget, time);
        Hosts = new HostTrust(source);

        // A replaced definition gets a new state, and with this key a new pipeline (its own circuit and settings), instead of the
        // pipeline the registry keeps for the old one.
        PipelineKey = string.Concat(source.Name, "#", Interlocked.Increment(ref _generations).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public SourceDefinition Source { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    /// <summary>The instance name of this source's resilience pipeline.</summary>
    public string PipelineKey { get; }

    public IReadOnlyCollection<string> SecretQueryParameters { get; }

    public RateBudgetLimiter Budget { get; }

    /// <summary>The limiter of a stream budget; streams given the same <see cref="RateBudget"/> instance share one.</summary>
    public RateBudgetLimiter? StreamBudget(RateBudget? budget) =>
        budget is null ? null : _streamBudgets.GetOrAdd(budget, static (b, time) => new RateBudgetLimiter(b, time), Time);

    /// <summary>Which hosts paging and redirects may lead to.</summary>
    public HostTrust Hosts { get; }

    public AuthenticationContext AuthenticationContext => _authenticationContext ??= new AuthenticationContext
    {
        Client = _authClient(),
        BaseAddress = Source.BaseAddress,
        TimeProvider = Time,
        Logger = Logger,
    };

    /// <summary>The telemetry of the attempt's strategy in this source's resilience pipeline, once the pipeline is built.</summary>
    public Polly.Telemetry.ResilienceStrategyTelemetry? AttemptTelemetry { get; set; }

    /// <summary>
    /// A token source cancelled after <see cref="ResilienceSettings.AttemptTimeout"/> on the source's clock, for one attempt;
    /// given back with <see cref="ReturnAttemptTimeout"/>.
    /// </summary>
    public CancellationTokenSource RentAttemptTimeout()
    {
        var source = Interlocked.Exchange(ref _spareTimeout, null);
        if (source is null || source.IsCancellationRequested)
        {
            source?.Dispose();
            source = new CancellationTokenSource(Timeout.InfiniteTimeSpan, Time);
        }

        source.CancelAfter(Source.Resilience.AttemptTimeout);
        return source;
    }

    /// <summary>Keeps a token source whose timer did not fire for the next attempt (one is kept: a stream's attempts run one after another).</summary>
    public void ReturnAttemptTimeout(CancellationTokenSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!source.TryReset() || Interlocked.CompareExchange(ref _spareTimeout, source, null) is not null)
        {
            source.Dispose();
        }
    }

    public string Redact(Uri uri) => SecretRedactor.Url(uri, SecretQueryParameters);

    public string Redact(string? text) => SecretRedactor.Text(text, SecretQueryParameters);
}
