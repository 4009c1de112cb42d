namespace Ingestion;

/// <summary>
/// Builds a <see cref="SourceDefinition"/> for a REST API with a fluent API:
/// <code>
/// source.BaseAddress("https://api.example.com/")
///       .BearerToken(token)
///       .RateLimit(perMinute: 600)
///       .Stream("products", s => s.Get("v1/products").Records("$.data").Key("id"));
/// </code>
/// Used by <see cref="IngestionBuilderExtensions.AddRestSource(IIngestionBuilder, string, Action{RestSourceBuilder})"/>
/// and by connectors. Problems (a missing base address, an incomplete stream) surface when the host starts,
/// in a message that names the source and the stream.
/// </summary>
public sealed class RestSourceBuilder
{
    private static readonly RateBudget DefaultBudget = new();
    private readonly List<RestStreamBuilder> _streams = [];
    private readonly Dictionary<string, string> _headers = new(StringComparer.OrdinalIgnoreCase);
    private Uri? _baseAddress;
    private string? _invalidBaseAddress;
    private IAuthenticator? _authenticator;
    private RateBudget? _rateBudget;
    private ResilienceSettings _resilience = new();
    private bool _dryRun;
    private string[] _allowedHosts = [];
    private int _maxRedirects = 5;
    private Func<ErrorResponse, ErrorInterpretation?>? _interpretError;

    /// <summary>Creates a builder for the source <paramref name="name"/>.</summary>
    /// <param name="name">The source name, unique within the host.</param>
    public RestSourceBuilder(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    /// <summary>The source name.</summary>
    public string Name { get; }

    /// <summary>Sets the address stream paths are resolved against. A missing trailing <c>/</c> is added, so <c>v1/products</c> resolves below it.</summary>
    /// <param name="baseAddress">An absolute http or https address.</param>
    /// <returns>This builder.</returns>
    public RestSourceBuilder BaseAddress(string baseAddress)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(baseAddress);
        if (Uri.TryCreate(baseAddress, UriKind.Absolute, out var uri))
        {
            return BaseAddress(uri);
        }

        // Kept so that start-up validation can name the bad value instead of failing here without the source's context.
        _invalidBaseAddress = baseAddress;
        _baseAddress = null;
        return this;
    }

    /// <summary>Sets the address stream paths are resolved against. A missing trailing <c>/</c> is added.</summary>
    /// <param name="baseAddress">An absolute http or https address.</param>
    /// <returns>This builder.</returns>
    public RestSourceBuilder BaseAddress(Uri baseAddress)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        _invalidBaseAddress = null;
        _baseAddress = baseAddress.IsAbsoluteUri && !baseAddress.AbsolutePath.EndsWith('/')
            ? new UriBuilder(baseAddress) { Path = baseAddress.AbsolutePath + "/" }.Uri
            : baseAddress;
        return this;
    }

    /// <summary>Sets the authenticator that adds credentials to every request of the source.</summary>
    /// <param name="authenticator">The authenticator (see <see cref="Authenticators"/>).</param>
    /// <returns>This builder.</returns>
    public RestSourceBuilder Auth(IAuthenticator authenticator)
    {
        ArgumentNullException.ThrowIfNull(authenticator);
        _authenticator = authenticator;
        return this;
    }

    /// <summary>Authenticates with a static bearer token; shorthand for <c>Auth(Authenticators.Bearer(token))</c>.</summary>
    /// <param name="token">The token, without the <c>Bearer </c> prefix.</param>
    /// <returns>This builder.</returns>
    public RestSourceBuilder BearerToken(string token) => Auth(Authenticators.Bearer(token));

    /// <summary>Authenticates with an API key in a header or query parameter; shorthand for <see cref="Authenticators.ApiKey"/>.</summary>
    /// <param name="name">The header or query parameter name.</param>
    /// <param name="value">The key.</param>
    /// <param name="location">Where the key goes. Defaults to a header.</param>
    /// <returns>This builder.</returns>
    public RestSourceBuilder ApiKey(string name, string value, ApiKeyLocation location = ApiKeyLocation.Header) =>
        Auth(Authenticators.ApiKey(name, value, location));

    /// <summary>Authenticates with HTTP Basic; shorthand for <see cref="Authenticators.Basic"/>.</summary>
    /// <param name="userName">The user name.</param>
    /// <param name="password">The password.</param>
    /// <returns>This builder.</returns>
    public RestSourceBuilder BasicAuth(string userName, string password) => Auth(Authenticators.Basic(userName, password));

    /// <summary>Authenticates with OAuth 2.0 client credentials; shorthand for <see cref="Authenticators.OAuth2ClientCredentials"/>.</summary>
    /// <param name="tokenUrl">The token endpoint; a relative URL is resolved against the base address.</param>
    /// <param name="clientId">The client id.</param>
    /// <param name="clientSecret">The client secret.</param>
    /// <param name="scope">The scope, or <see langword="null"/>.</param>
    /// <returns>This builder.</returns>
    public RestSourceBuilder OAuth2ClientCredentials(string tokenUrl, string clientId, string clientSecret, string? scope = null) =>
        Auth(Authenticators.OAuth2ClientCredentials(tokenUrl, clientId, clientSecret, scope));

    /// <summary>Adds a header sent with every request of the source (for example <c>Accept</c>).</summary>
    /// <param name="name">The header name.</param>
    /// <param name="value">The header value.</param>
    /// <returns>This builder.</returns>
    public RestSourceBuilder Header(string name, string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(value);
        _headers[name] = value;
        return this;
    }

    /// <summary>Sets the request budget shared by every stream of the source.</summary>
    /// <param name="perSecond">Requests allowed per second, or <see langword="null"/>.</param>
    /// <param name="perMinute">Requests allowed per minute, or <see langword="null"/>.</param>
    /// <param name="perHour">Requests allowed per hour, or <see langword="null"/>.</param>
    /// <param name="maxWait">The longest a request waits for budget before the run ends as partial; defaults to 2 minutes.</param>
    /// <returns>This builder.</returns>
    public RestSourceBuilder RateLimit(int? perSecond = null, int? perMinute = null, int? perHour = null, TimeSpan? maxWait = null)
    {
        _rateBudget = new RateBudget
        {
            PerSecond = perSecond,
            PerMinute = perMinute,
            PerHour = perHour,
            MaxWait = maxWait ?? DefaultBudget.MaxWait,
        };
        return this;
    }

    /// <summary>Sets the request budget shared by every stream of the source.</summary>
    /// <param name="budget">The budget.</param>
    /// <returns>This builder.</returns>
    public RestSourceBuilder RateLimit(RateBudget budget)
    {
        ArgumentNullException.ThrowIfNull(budget);
        _rateBudget = budget;
        return this;
    }

    /// <summary>Sets timeouts, retries and circuit breaking for the source's requests.</summary>
    /// <param name="settings">The settings; unset properties keep their documented defaults.</param>
    /// <returns>This builder.</returns>
    public RestSourceBuilder Resilience(ResilienceSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _resilience = settings;
        return this;
    }

    /// <summary>
    /// Lets paging and redirects lead to other hosts than the source's own; see <see cref="SourceDefinition.AllowedHosts"/>
    /// for what each may receive.
    /// </summary>
    /// <param name="hosts"><c>host</c>, <c>host:port</c> or <c>*.example.com</c> entries; replaces earlier ones.</param>
    /// <returns>This builder.</returns>
    public RestSourceBuilder AllowHosts(params string[] hosts)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        _allowedHosts = [.. hosts];
        return this;
    }

    /// <summary>Sets how many redirects one request follows; see <see cref="SourceDefinition.MaxRedirects"/>.</summary>
    /// <param name="maxRedirects">The most redirects followed, 0 to 50.</param>
    /// <returns>This builder.</returns>
    public RestSourceBuilder MaxRedirects(int maxRedirects)
    {
        _maxRedirects = maxRedirects;
        return this;
    }

    /// <summary>Makes every run of the source a dry run: records are fetched and classified, nothing is written.</summary>
    /// <param name="dryRun">Whether runs are dry runs.</param>
    /// <returns>This builder.</returns>
    public RestSourceBuilder DryRun(bool dryRun = true)
    {
        _dryRun = dryRun;
        return this;
    }

    /// <summary>Interprets 4xx responses (other than 429) the vendor's way; see <see cref="SourceDefinition.InterpretError"/>.</summary>
    /// <param name="interpret">Returns the issue kind and message for a response, or <see langword="null"/> for the standard ones.</param>
    /// <returns>This builder.</returns>
    public RestSourceBuilder InterpretErrors(Func<ErrorResponse, ErrorInterpretation?> interpret)
    {
        ArgumentNullException.ThrowIfNull(interpret);
        _interpretError = interpret;
        return this;
    }

    /// <summary>Adds a stream.</summary>
    /// <param name="name">The stream name, unique within the source.</param>
    /// <param name="configure">Describes the stream's request, records, key, paging and mode.</param>
    /// <returns>This builder.</returns>
    public RestSourceBuilder Stream(string name, Action<RestStreamBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var stream = new RestStreamBuilder(name);
        configure(stream);
        _streams.Add(stream);
        return this;
    }

    /// <summary>Builds the definition: streams in declaration order, each followed by its children.</summary>
    /// <returns>The definition.</returns>
    /// <exception cref="InvalidOperationException">No valid base address was set; the message names the source.</exception>
    public SourceDefinition Build()
    {
        var baseAddress = _baseAddress
            ?? throw new InvalidOperationException(_invalidBaseAddress is null
                ? $"Source '{Name}': BaseAddress is required."
                : $"Source '{Name}': BaseAddress '{_invalidBaseAddress}' must be an absolute http or https address.");

        var streams = new List<StreamDefinition>();
        foreach (var stream in _streams)
        {
            stream.BuildInto(Name, parent: null, streams);
        }

        return new SourceDefinition
        {
            Name = Name,
            BaseAddress = baseAddress,
            Authenticator = _authenticator,
            RateBudget = _rateBudget,
            Resilience = _resilience,
            DryRun = _dryRun,
            AllowedHosts = _allowedHosts,
            MaxRedirects = _maxRedirects,
            InterpretError = _interpretError,
            DefaultHeaders = new Dictionary<string, string>(_headers, StringComparer.OrdinalIgnoreCase),
            Streams = streams,
        };
    }
}
