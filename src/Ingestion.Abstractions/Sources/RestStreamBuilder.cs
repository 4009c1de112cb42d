using System.Text;

namespace Ingestion;

/// <summary>
/// Describes one stream of a <see cref="RestSourceBuilder"/>:
/// <code>
/// s.Get("v1/products").Records("$.data").Key("id")
///  .Paginate(Paginators.Cursor(tokenPath: "$.next_cursor", parameter: "cursor"))
///  .Incremental(cursorField: "updated_at", parameter: "updated_since")
///  .IgnorePaths("fetchedAt")
///  .Child("variants", c => c.Get("v1/products/{id}/variants").Records("$.data"));
/// </code>
/// </summary>
public sealed class RestStreamBuilder
{
    private readonly Dictionary<string, string> _query = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _headers = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _placeholders = new(StringComparer.Ordinal);
    private readonly List<string> _ignoredPaths = [];
    private readonly List<RestStreamBuilder> _children = [];
    private HttpMethod _method = HttpMethod.Get;
    private string? _path;
    private ReadOnlyMemory<byte> _body;
    private string _bodyContentType = "application/json";
    private string? _recordsPath;
    private RecordSelector? _recordSelector;
    private string? _keyPath = "id";
    private IPaginator? _paginator;
    private SyncMode _mode = SyncMode.FullSnapshot;
    private IncrementalSettings? _incremental;
    private SnapshotGuardSettings _snapshotGuard = new();
    private PagingLimits _limits = new();
    private bool _retryNonIdempotent;
    private int _maxConcurrency = 4; // the documented default of StreamDefinition.MaxConcurrency
    private Func<PageRequest, StreamRequestContext, PageRequest>? _prepareRequest;
    private readonly HashSet<int> _noDataStatusCodes = [];
    private bool _emptyBodyMeansNoData;
    private RateBudget? _rateBudget;

    /// <summary>Creates a builder for the stream <paramref name="name"/>.</summary>
    /// <param name="name">The stream name, unique within its source.</param>
    public RestStreamBuilder(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    /// <summary>The stream name.</summary>
    public string Name { get; }

    /// <summary>Fetches the stream with GET requests.</summary>
    /// <param name="path">The path relative to the source's base address (or an absolute URL); may contain <c>{placeholders}</c>.</param>
    /// <returns>This builder.</returns>
    public RestStreamBuilder Get(string path) => Request(HttpMethod.Get, path);

    /// <summary>Fetches the stream with POST requests carrying <paramref name="body"/> (for example a GraphQL query).</summary>
    /// <param name="path">The path relative to the source's base address (or an absolute URL).</param>
    /// <param name="body">The request body.</param>
    /// <param name="contentType">The body's content type. Defaults to <c>application/json</c>.</param>
    /// <returns>This builder.</returns>
    public RestStreamBuilder Post(string path, string body, string contentType = "application/json")
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentException.ThrowIfNullOrWhiteSpace(contentType);
        _body = Encoding.UTF8.GetBytes(body);
        _bodyContentType = contentType;
        return Request(HttpMethod.Post, path);
    }

    /// <summary>Sets the method and path of the stream's first request.</summary>
    /// <param name="method">The HTTP method.</param>
    /// <param name="path">The path relative to the source's base address (or an absolute URL).</param>
    /// <returns>This builder.</returns>
    public RestStreamBuilder Request(HttpMethod method, string path)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _method = method;
        _path = path;
        return this;
    }

    /// <summary>Sets the body of the first request.</summary>
    /// <param name="body">The body bytes.</param>
    /// <param name="contentType">The body's content type.</param>
    /// <returns>This builder.</returns>
    public RestStreamBuilder Body(ReadOnlyMemory<byte> body, string contentType = "application/json")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(contentType);
        _body = body;
        _bodyContentType = contentType;
        return this;
    }

    /// <summary>Adds a query parameter to the first request.</summary>
    /// <param name="name">The parameter name (unescaped).</param>
    /// <param name="value">The value (unescaped).</param>
    /// <returns>This builder.</returns>
    public RestStreamBuilder Query(string name, string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(value);
        _query[name] = value;
        return this;
    }

    /// <summary>Adds a header to every request of the stream.</summary>
    /// <param name="name">The header name.</param>
    /// <param name="value">The value.</param>
    /// <returns>This builder.</returns>
    public RestStreamBuilder Header(string name, string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(value);
        _headers[name] = value;
        return this;
    }

    /// <summary>Selects the JSON records at <paramref name="recordsPath"/> (for example <c>$.data</c>, or <c>$</c> for a root array).</summary>
    /// <param name="recordsPath">A <see cref="JsonPath"/> expression.</param>
    /// <returns>This builder.</returns>
    public RestStreamBuilder Records(string recordsPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(recordsPath);
        _recordsPath = recordsPath;
        _recordSelector = null;
        return this;
    }

    /// <summary>Selects the records with a custom or non-JSON selector (see <see cref="RecordSelector.ColumnMajor"/> and <see cref="RecordSelector.Csv"/>).</summary>
    /// <param name="selector">The selector.</param>
    /// <returns>This builder.</returns>
    public RestStreamBuilder Records(RecordSelector selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        _recordSelector = selector;
        _recordsPath = null;
        return this;
    }

    /// <summary>Sets where each record's key is. Defaults to <c>id</c>.</summary>
    /// <param name="keyPath">A <see cref="JsonPath"/> into the record.</param>
    /// <returns>This builder.</returns>
    public RestStreamBuilder Key(string keyPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyPath);
        _keyPath = keyPath;
        return this;
    }

    /// <summary>Uses the parent record's key as the record key (a child stream that returns one record per parent).</summary>
    /// <returns>This builder.</returns>
    public RestStreamBuilder KeyFromParent()
    {
        _keyPath = null;
        return this;
    }

    /// <summary>Sets the paginator. Defaults to a single request.</summary>
    /// <param name="paginator">The paginator (see <see cref="Paginators"/>).</param>
    /// <returns>This builder.</returns>
    public RestStreamBuilder Paginate(IPaginator paginator)
    {
        ArgumentNullException.ThrowIfNull(paginator);
        _paginator = paginator;
        return this;
    }

    /// <summary>Makes the stream incremental: runs fetch what changed since the watermark.</summary>
    /// <param name="cursorField">The record field holding the cursor value, as a <see cref="JsonPath"/> (for example <c>updated_at</c>).</param>
    /// <param name="parameter">The query parameter the watermark is sent in, or <see langword="null"/> when <see cref="PrepareRequest"/> applies it.</param>
    /// <param name="overlap">How far the watermark is moved back when a run starts. Defaults to 5 minutes.</param>
    /// <param name="initialValue">The watermark sent on a first run, or <see langword="null"/> for none.</param>
    /// <returns>This builder.</returns>
    public RestStreamBuilder Incremental(string cursorField, string? parameter = null, TimeSpan? overlap = null, string? initialValue = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cursorField);
        _mode = SyncMode.Incremental;
        _incremental = new IncrementalSettings
        {
            CursorField = cursorField,
            RequestParameter = parameter,
            Overlap = overlap ?? new IncrementalSettings { CursorField = cursorField }.Overlap,
            InitialValue = initialValue,
        };
        return this;
    }

    /// <summary>Makes the stream incremental with explicit settings.</summary>
    /// <param name="settings">The incremental settings.</param>
    /// <returns>This builder.</returns>
    public RestStreamBuilder Incremental(IncrementalSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _mode = SyncMode.Incremental;
        _incremental = settings;
        return this;
    }

    /// <summary>Makes the stream a full snapshot (the default), optionally with its own guard settings.</summary>
    /// <param name="guard">The snapshot guard, or <see langword="null"/> for the defaults.</param>
    /// <returns>This builder.</returns>
    public RestStreamBuilder FullSnapshot(SnapshotGuardSettings? guard = null)
    {
        _mode = SyncMode.FullSnapshot;
        _incremental = null;
        _snapshotGuard = guard ?? new SnapshotGuardSettings();
        return this;
    }

    /// <summary>Sets the paging bounds (max pages, max records, delay between requests, silent truncation cap).</summary>
    /// <param name="limits">The limits.</param>
    /// <returns>This builder.</returns>
    public RestStreamBuilder Limits(PagingLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        _limits = limits;
        return this;
    }

    /// <summary>Ignores volatile fields when hashing records, so they do not create new versions.</summary>
    /// <param name="paths"><see cref="JsonPath"/> expressions relative to the record.</param>
    /// <returns>This builder.</returns>
    public RestStreamBuilder IgnorePaths(params string[] paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        foreach (var path in paths)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(path, nameof(paths));
            _ignoredPaths.Add(path);
        }

        return this;
    }

    /// <summary>Retries the stream's requests even when the method is not idempotent (for example a GraphQL POST).</summary>
    /// <param name="retry">Whether to retry.</param>
    /// <returns>This builder.</returns>
    public RestStreamBuilder RetryNonIdempotent(bool retry = true)
    {
        _retryNonIdempotent = retry;
        return this;
    }

    /// <summary>Sets how many parent records this child stream fetches for at the same time. Defaults to 4.</summary>
    /// <param name="maxConcurrency">At least 1.</param>
    /// <returns>This builder.</returns>
    public RestStreamBuilder MaxConcurrency(int maxConcurrency)
    {
        _maxConcurrency = maxConcurrency;
        return this;
    }

    /// <summary>Rewrites the first request before it is sent (a vendor-specific filter or watermark window).</summary>
    /// <param name="prepare">Receives the prepared request and its context; returns the request to send.</param>
    /// <returns>This builder.</returns>
    public RestStreamBuilder PrepareRequest(Func<PageRequest, StreamRequestContext, PageRequest> prepare)
    {
        ArgumentNullException.ThrowIfNull(prepare);
        _prepareRequest = prepare;
        return this;
    }

    /// <summary>
    /// Treats responses with these status codes as "no data here" (an empty page), not as failures: a child stream's parent
    /// without the child resource (404) is then an empty child, and a full snapshot marks what it held before deleted.
    /// </summary>
    /// <param name="statusCodes">The status codes, for example <see cref="System.Net.HttpStatusCode.NotFound"/>.</param>
    /// <returns>This builder.</returns>
    public RestStreamBuilder NoDataOn(params System.Net.HttpStatusCode[] statusCodes)
    {
        ArgumentNullException.ThrowIfNull(statusCodes);
        foreach (var code in statusCodes)
        {
            if ((int)code is < 300 or > 599)
            {
                throw new ArgumentOutOfRangeException(nameof(statusCodes), code, "Only error and redirect statuses (300 to 599) can mean no data.");
            }

            _noDataStatusCodes.Add((int)code);
        }

        return this;
    }

    /// <summary>Treats a successful response with an empty or blank body as an empty page (no records), not as an unreadable body.</summary>
    /// <param name="enabled">Whether an empty body means no data.</param>
    /// <returns>This builder.</returns>
    public RestStreamBuilder EmptyBodyMeansNoData(bool enabled = true)
    {
        _emptyBodyMeansNoData = enabled;
        return this;
    }

    /// <summary>
    /// Gives the stream a request budget of its own, on top of the source's (see <see cref="StreamDefinition.RateBudget"/>);
    /// pass one <see cref="RateBudget"/> instance to several streams to share it.
    /// </summary>
    /// <param name="budget">The budget.</param>
    /// <returns>This builder.</returns>
    public RestStreamBuilder RateLimit(RateBudget budget)
    {
        ArgumentNullException.ThrowIfNull(budget);
        _rateBudget = budget;
        return this;
    }

    /// <summary>Gives the stream a request budget of its own, on top of the source's.</summary>
    /// <param name="perSecond">Requests allowed per second, or <see langword="null"/>.</param>
    /// <param name="perMinute">Requests allowed per minute, or <see langword="null"/>.</param>
    /// <param name="perHour">Requests allowed per hour, or <see langword="null"/>.</param>
    /// <param name="maxWait">The longest a request waits for the budget before the run stops and resumes later; <see langword="null"/> for the default.</param>
    /// <returns>This builder.</returns>
    public RestStreamBuilder RateLimit(int? perSecond = null, int? perMinute = null, int? perHour = null, TimeSpan? maxWait = null) =>
        RateLimit(new RateBudget { PerSecond = perSecond, PerMinute = perMinute, PerHour = perHour, MaxWait = maxWait ?? new RateBudget().MaxWait });

    /// <summary>Fills the path placeholder <c>{name}</c> of this child stream from the parent record. Without any, every placeholder takes the parent's key.</summary>
    /// <param name="name">The placeholder name, without braces.</param>
    /// <param name="parentPath">A <see cref="JsonPath"/> into the parent record.</param>
    /// <returns>This builder.</returns>
    public RestStreamBuilder Placeholder(string name, string parentPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(parentPath);
        _placeholders[name] = parentPath;
        return this;
    }

    /// <summary>Adds a child stream that runs once per record of this stream, with the record's values in its path.</summary>
    /// <param name="name">The child stream's name, unique within the source.</param>
    /// <param name="configure">Describes the child stream; its path placeholders are filled from this stream's records.</param>
    /// <returns>This builder.</returns>
    public RestStreamBuilder Child(string name, Action<RestStreamBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var child = new RestStreamBuilder(name);
        configure(child);
        _children.Add(child);
        return this;
    }

    internal void BuildInto(string sourceName, string? parent, List<StreamDefinition> streams)
    {
        if (_path is null)
        {
            throw new InvalidOperationException($"Source '{sourceName}', stream '{Name}': a path is required (call Get(...), Post(...) or Request(...)).");
        }

        if (parent is null && _placeholders.Count > 0)
        {
            throw new InvalidOperationException($"Source '{sourceName}', stream '{Name}': Placeholder(...) only applies to child streams (declare the stream with Child(...)).");
        }

        var definition = new StreamDefinition
        {
            Name = Name,
            Method = _method,
            Path = _path,
            Query = new Dictionary<string, string>(_query, StringComparer.Ordinal),
            Headers = new Dictionary<string, string>(_headers, StringComparer.OrdinalIgnoreCase),
            Body = _body,
            BodyContentType = _bodyContentType,
            Paginator = _paginator ?? Paginators.None(),
            Records = _recordSelector ?? RecordSelector.Json(_recordsPath ?? "$"),
            KeyPath = _keyPath,
            Mode = _mode,
            Incremental = _incremental,
            SnapshotGuard = _snapshotGuard,
            Limits = _limits,
            IgnoredPaths = [.. _ignoredPaths],
            RetryNonIdempotent = _retryNonIdempotent,
            Parent = parent is null ? null : new ParentLink
            {
                Stream = parent,
                Placeholders = new Dictionary<string, string>(_placeholders, StringComparer.Ordinal),
            },
            MaxConcurrency = _maxConcurrency,
            PrepareRequest = _prepareRequest,
            NoDataStatusCodes = new HashSet<int>(_noDataStatusCodes),
            EmptyBodyMeansNoData = _emptyBodyMeansNoData,
            RateBudget = _rateBudget,
        };
        streams.Add(definition);

        foreach (var child in _children)
        {
            child.BuildInto(sourceName, Name, streams);
        }
    }
}
