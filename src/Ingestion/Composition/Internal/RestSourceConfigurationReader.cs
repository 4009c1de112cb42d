using System.Globalization;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Ingestion.Composition.Internal;

/// <summary>
/// Reads a REST source definition from a configuration section. Every problem is collected with the configuration
/// path of the culprit (for example <c>Ingestion:Sources:catalog:Streams:products:Paginator:Kind</c>) and reported
/// together when the host starts.
/// </summary>
internal sealed partial class RestSourceConfigurationReader
{
    private static readonly string[] SourceSettings = ["BaseAddress", "Headers", "Auth", "RateLimit", "Resilience", "AllowedHosts", "MaxRedirects", "Streams"];

    private static readonly string[] StreamSettings =
    [
        "Path", "Method", "Query", "Headers", "Body", "BodyContentType", "Records", "RecordsFormat", "RecordsMaxDepth", "Csv", "Key", "KeyFromParent",
        "Mode", "Incremental", "Paginator", "IgnorePaths", "IgnoredPaths", "Parent", "Placeholders", "Limits", "SnapshotGuard",
        "MaxConcurrency", "RetryNonIdempotent", "NoDataOn", "EmptyBodyMeansNoData",
    ];

    private readonly List<string> _errors = [];
    private readonly string _sourceName;

    private RestSourceConfigurationReader(string sourceName) => _sourceName = sourceName;

    /// <summary>Reads the source, or throws <see cref="OptionsValidationException"/> listing every problem.</summary>
    public static SourceDefinition Read(string name, IConfiguration section)
    {
        var reader = new RestSourceConfigurationReader(name);
        var source = reader.ReadSource(section);
        if (reader._errors.Count > 0 || source is null)
        {
            throw new OptionsValidationException(name, typeof(SourceDefinition), reader._errors.Count > 0 ? reader._errors : [$"{PathOf(section)}: the source could not be read."]);
        }

        return source;
    }

    private SourceDefinition? ReadSource(IConfiguration section)
    {
        if (!section.GetChildren().Any())
        {
            _errors.Add($"{PathOf(section)}: the section is missing or empty; source '{_sourceName}' needs at least BaseAddress and Streams.");
            return null;
        }

        CheckKnown(section, SourceSettings);
        var baseAddressText = section["BaseAddress"];
        Uri? baseAddress = null;
        if (string.IsNullOrWhiteSpace(baseAddressText))
        {
            _errors.Add($"{PathOf(section, "BaseAddress")}: is required (source '{_sourceName}').");
        }
        else if (!Uri.TryCreate(baseAddressText, UriKind.Absolute, out baseAddress) || baseAddress.Scheme is not ("http" or "https"))
        {
            _errors.Add($"{PathOf(section, "BaseAddress")}: '{baseAddressText}' must be an absolute http or https address (source '{_sourceName}').");
            baseAddress = null;
        }
        else if (!baseAddress.AbsolutePath.EndsWith('/'))
        {
            baseAddress = new UriBuilder(baseAddress) { Path = baseAddress.AbsolutePath + "/" }.Uri;
        }

        var authenticator = ReadAuth(section.GetSection("Auth"));
        var budget = ReadRateLimit(section.GetSection("RateLimit"));
        var resilience = ReadResilience(section.GetSection("Resilience"));
        string[] allowedHosts = [.. section.GetSection("AllowedHosts").GetChildren().Select(child => child.Value ?? string.Empty)];
        var maxRedirects = ReadInt(section, "MaxRedirects") ?? 5;

        var streamsSection = section.GetSection("Streams");
        var builders = new List<Func<StreamDefinition>>();
        foreach (var streamSection in streamsSection.GetChildren())
        {
            if (ReadStream(streamSection) is { } stream)
            {
                builders.Add(stream);
            }
        }

        if (!streamsSection.GetChildren().Any())
        {
            _errors.Add($"{PathOf(section, "Streams")}: at least one stream is required (source '{_sourceName}').");
        }

        // Definitions (and their record selectors) are only built once every setting has been read without error.
        if (baseAddress is null || _errors.Count > 0)
        {
            return null;
        }

        var streams = builders.Select(build => build()).ToList();

        return new SourceDefinition
        {
            Name = _sourceName,
            BaseAddress = baseAddress,
            Authenticator = authenticator,
            RateBudget = budget,
            Resilience = resilience,
            AllowedHosts = allowedHosts,
            MaxRedirects = maxRedirects,
            DefaultHeaders = ReadDictionary(section.GetSection("Headers"), StringComparer.OrdinalIgnoreCase),
            Streams = ParentsFirst(streams),
        };
    }

    private Func<StreamDefinition>? ReadStream(IConfigurationSection section)
    {
        var name = section.Key;
        CheckKnown(section, StreamSettings);
        var path = section["Path"];
        if (string.IsNullOrWhiteSpace(path))
        {
            _errors.Add($"{PathOf(section, "Path")}: is required (source '{_sourceName}', stream '{name}').");
            return null;
        }

        var method = ReadMethod(section);
        var body = section["Body"];
        var parent = section["Parent"];
        var keyFromParent = ReadBool(section, "KeyFromParent") ?? false;
        var mode = ReadEnum(section, "Mode", SyncMode.FullSnapshot);
        var incremental = ReadIncremental(section.GetSection("Incremental"), mode, name);

        var defaults = new PagingLimits();
        var limitsSection = section.GetSection("Limits");
        var limits = new PagingLimits
        {
            MaxPages = ReadInt(limitsSection, "MaxPages") ?? defaults.MaxPages,
            MaxRecords = ReadLong(limitsSection, "MaxRecords") ?? defaults.MaxRecords,
            DelayBetweenRequests = ReadTimeSpan(limitsSection, "DelayBetweenRequests") ?? defaults.DelayBetweenRequests,
            SilentTruncationCap = ReadInt(limitsSection, "SilentTruncationCap"),
        };

        var guardDefaults = new SnapshotGuardSettings();
        var guardSection = section.GetSection("SnapshotGuard");
        var guard = new SnapshotGuardSettings
        {
            Enabled = ReadBool(guardSection, "Enabled") ?? guardDefaults.Enabled,
            MinimumRatio = ReadDouble(guardSection, "MinimumRatio") ?? guardDefaults.MinimumRatio,
            AllowEmpty = ReadBool(guardSection, "AllowEmpty") ?? guardDefaults.AllowEmpty,
            SoftDeleteMissing = ReadBool(guardSection, "SoftDeleteMissing") ?? guardDefaults.SoftDeleteMissing,
        };

        var paginator = ReadPaginator(section.GetSection("Paginator"), name);
        var records = ReadRecords(section, name);
        var ignored = ReadList(section.GetSection("IgnorePaths")).Concat(ReadList(section.GetSection("IgnoredPaths"))).ToList();

        var query = ReadDictionary(section.GetSection("Query"), StringComparer.Ordinal);
        var headers = ReadDictionary(section.GetSection("Headers"), StringComparer.OrdinalIgnoreCase);
        var placeholders = ReadDictionary(section.GetSection("Placeholders"), StringComparer.Ordinal);
        var bodyContentType = section["BodyContentType"] ?? "application/json";
        var keyPath = keyFromParent ? null : section["Key"] ?? "id";
        var retryNonIdempotent = ReadBool(section, "RetryNonIdempotent") ?? false;
        var maxConcurrency = ReadInt(section, "MaxConcurrency") ?? 4;
        var noData = ReadStatusCodes(section.GetSection("NoDataOn"));
        var emptyBodyMeansNoData = ReadBool(section, "EmptyBodyMeansNoData") ?? false;
        return () => new StreamDefinition
        {
            Name = name,
            Method = method,
            Path = path,
            Query = query,
            Headers = headers,
            Body = body is null ? ReadOnlyMemory<byte>.Empty : Encoding.UTF8.GetBytes(body),
            BodyContentType = bodyContentType,
            Paginator = paginator ?? Paginators.None(),
            Records = records!(),
            KeyPath = keyPath,
            Mode = mode,
            Incremental = incremental,
            SnapshotGuard = guard,
            Limits = limits,
            IgnoredPaths = ignored,
            RetryNonIdempotent = retryNonIdempotent,
            Parent = string.IsNullOrWhiteSpace(parent) ? null : new ParentLink
            {
                Stream = parent,
                Placeholders = placeholders,
            },
            MaxConcurrency = maxConcurrency,
            NoDataStatusCodes = noData,
            EmptyBodyMeansNoData = emptyBodyMeansNoData,
        };
    }

    // "NoDataOn": [404, "Gone"]: status numbers (300 to 599) or HttpStatusCode names.
    private HashSet<int> ReadStatusCodes(IConfigurationSection section)
    {
        var codes = new HashSet<int>();
        foreach (var text in ReadList(section))
        {
            var trimmed = text.Trim();
            int? code = int.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number
                : !trimmed.Any(char.IsDigit) && Enum.TryParse<System.Net.HttpStatusCode>(trimmed, ignoreCase: true, out var named) ? (int)named
                : null;
            if (code is >= 300 and <= 599)
            {
                codes.Add(code.Value);
            }
            else
            {
                _errors.Add($"{PathOf(section)}: '{text}' is not an HTTP status from 300 to 599 (a number such as 404 or a name such as NotFound) (source '{_sourceName}').");
            }
        }

        return codes;
    }

    private IncrementalSettings? ReadIncremental(IConfigurationSection section, SyncMode mode, string stream)
    {
        var cursorField = section["CursorField"];
        if (mode != SyncMode.Incremental)
        {
            if (section.GetChildren().Any())
            {
                _errors.Add($"{section.Path}: is set but {PathOf(section.Path[..section.Path.LastIndexOf(':')], "Mode")} is not Incremental (source '{_sourceName}', stream '{stream}').");
            }

            return null;
        }

        if (string.IsNullOrWhiteSpace(cursorField))
        {
            _errors.Add($"{PathOf(section, "CursorField")}: is required when Mode is Incremental (source '{_sourceName}', stream '{stream}').");
            return null;
        }

        var defaults = new IncrementalSettings { CursorField = cursorField };
        return new IncrementalSettings
        {
            CursorField = cursorField,
            RequestParameter = section["Parameter"] ?? section["RequestParameter"],
            Overlap = ReadTimeSpan(section, "Overlap") ?? defaults.Overlap,
            InitialValue = section["InitialValue"],
        };
    }

    private Func<RecordSelector>? ReadRecords(IConfigurationSection section, string stream)
    {
        var format = section["RecordsFormat"]?.Trim().ToUpperInvariant() ?? "JSON";
        var path = section["Records"] ?? "$";
        if (format is "JSON" or "COLUMNMAJOR")
        {
            try
            {
                JsonPath.Parse(path);
            }
            catch (FormatException exception)
            {
                _errors.Add($"{PathOf(section, "Records")}: {exception.Message} (source '{_sourceName}', stream '{stream}').");
                return null;
            }
        }

        switch (format)
        {
            case "JSON":
                var maxDepth = ReadInt(section, "RecordsMaxDepth");
                if (maxDepth is < 1)
                {
                    _errors.Add($"{PathOf(section, "RecordsMaxDepth")}: must be at least 1 (source '{_sourceName}', stream '{stream}').");
                    return null;
                }

                return maxDepth is { } depth ? () => RecordSelector.Json(path, depth) : () => RecordSelector.Json(path);
            case "COLUMNMAJOR":
                return () => RecordSelector.ColumnMajor(path);
            case "CSV":
                var csv = section.GetSection("Csv");
                var options = new CsvSelectorOptions
                {
                    Delimiter = csv["Delimiter"] ?? ",",
                    CarryDownColumns = ReadList(csv.GetSection("CarryDownColumns")),
                    CarryDownAllColumns = ReadBool(csv, "CarryDownAllColumns") ?? false,
                };
                return () => RecordSelector.Csv(options);
            default:
                _errors.Add($"{PathOf(section, "RecordsFormat")}: unknown format '{section["RecordsFormat"]}'; expected one of json, columnmajor, csv (source '{_sourceName}', stream '{stream}').");
                return null;
        }
    }

    private HttpMethod ReadMethod(IConfigurationSection section)
    {
        var text = section["Method"];
        if (text is null)
        {
            return HttpMethod.Get;
        }

        switch (text.Trim().ToUpperInvariant())
        {
            case "GET":
                return HttpMethod.Get;
            case "POST":
                return HttpMethod.Post;
            default:
                _errors.Add($"{PathOf(section, "Method")}: unknown method '{text}'; expected GET or POST (source '{_sourceName}', stream '{section.Key}').");
                return HttpMethod.Get;
        }
    }

    private RateBudget? ReadRateLimit(IConfigurationSection section)
    {
        if (!section.GetChildren().Any())
        {
            return null;
        }

        return new RateBudget
        {
            PerSecond = ReadInt(section, "PerSecond"),
            PerMinute = ReadInt(section, "PerMinute"),
            PerHour = ReadInt(section, "PerHour"),
            MaxWait = ReadTimeSpan(section, "MaxWait") ?? new RateBudget().MaxWait,
        };
    }

    private ResilienceSettings ReadResilience(IConfigurationSection section)
    {
        var d = new ResilienceSettings();
        return new ResilienceSettings
        {
            AttemptTimeout = ReadTimeSpan(section, "AttemptTimeout") ?? d.AttemptTimeout,
            TotalTimeout = ReadTimeSpan(section, "TotalTimeout"),
            MaxRetries = ReadInt(section, "MaxRetries") ?? d.MaxRetries,
            BaseDelay = ReadTimeSpan(section, "BaseDelay") ?? d.BaseDelay,
            MaxDelay = ReadTimeSpan(section, "MaxDelay") ?? d.MaxDelay,
            MaxRetryAfter = ReadTimeSpan(section, "MaxRetryAfter") ?? d.MaxRetryAfter,
            CircuitBreakerEnabled = ReadBool(section, "CircuitBreakerEnabled") ?? d.CircuitBreakerEnabled,
            CircuitBreakerFailureRatio = ReadDouble(section, "CircuitBreakerFailureRatio") ?? d.CircuitBreakerFailureRatio,
            CircuitBreakerMinimumThroughput = ReadInt(section, "CircuitBreakerMinimumThroughput") ?? d.CircuitBreakerMinimumThroughput,
            CircuitBreakerSamplingDuration = ReadTimeSpan(section, "CircuitBreakerSamplingDuration") ?? d.CircuitBreakerSamplingDuration,
            CircuitBreakerBreakDuration = ReadTimeSpan(section, "CircuitBreakerBreakDuration") ?? d.CircuitBreakerBreakDuration,
        };
    }

    // Parents before children, as the runner and validator expect; configuration providers sort keys alphabetically.
    private static List<StreamDefinition> ParentsFirst(List<StreamDefinition> streams)
    {
        var ordered = new List<StreamDefinition>(streams.Count);
        var placed = new HashSet<string>(StringComparer.Ordinal);
        var names = streams.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var pending = new List<StreamDefinition>(streams);
        while (pending.Count > 0)
        {
            var ready = pending.Where(s => s.Parent is null || placed.Contains(s.Parent.Stream) || !names.Contains(s.Parent.Stream)).ToList();
            if (ready.Count == 0)
            {
                ordered.AddRange(pending); // a parent cycle: left in place for the validator to report
                break;
            }

            foreach (var stream in ready)
            {
                ordered.Add(stream);
                placed.Add(stream.Name);
                pending.Remove(stream);
            }
        }

        return ordered;
    }

    private void CheckKnown(IConfiguration section, string[] known)
    {
        foreach (var child in section.GetChildren())
        {
            if (!known.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                _errors.Add($"{child.Path}: unknown setting '{child.Key}'; expected one of {string.Join(", ", known)} (source '{_sourceName}').");
            }
        }
    }

    private static Dictionary<string, string> ReadDictionary(IConfigurationSection section, StringComparer comparer)
    {
        var values = new Dictionary<string, string>(comparer);
        foreach (var child in section.GetChildren())
        {
            if (child.Value is not null)
            {
                values[child.Key] = child.Value;
            }
        }

        return values;
    }

    private static List<string> ReadList(IConfigurationSection section)
    {
        var values = new List<string>();
        if (section.Value is { Length: > 0 } single)
        {
            values.Add(single);
        }

        foreach (var child in section.GetChildren())
        {
            if (child.Value is { Length: > 0 } value)
            {
                values.Add(value);
            }
        }

        return values;
    }

    private int? ReadInt(IConfiguration section, string key) => Read(section, key, "a whole number", static text =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : (int?)null);

    private long? ReadLong(IConfiguration section, string key) => Read(section, key, "a whole number", static text =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : (long?)null);

    private double? ReadDouble(IConfiguration section, string key) => Read(section, key, "a number", static text =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : (double?)null);

    private bool? ReadBool(IConfiguration section, string key) => Read(section, key, "true or false", static text =>
        bool.TryParse(text, out var value) ? value : (bool?)null);

    private TimeSpan? ReadTimeSpan(IConfiguration section, string key) => Read(section, key, "a duration such as 00:05:00", static text =>
        TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) ? value : (TimeSpan?)null);

    private TEnum ReadEnum<TEnum>(IConfiguration section, string key, TEnum fallback)
        where TEnum : struct, Enum
    {
        var text = section[key];
        if (text is null)
        {
            return fallback;
        }

        if (Enum.TryParse<TEnum>(text, ignoreCase: true, out var value) && Enum.IsDefined(value) && !int.TryParse(text, out _))
        {
            return value;
        }

        _errors.Add($"{PathOf(section, key)}: unknown value '{text}'; expected one of {string.Join(", ", Enum.GetNames<TEnum>())} (source '{_sourceName}').");
        return fallback;
    }

    private T? Read<T>(IConfiguration section, string key, string expected, Func<string, T?> parse)
        where T : struct
    {
        var text = section[key];
        if (text is null)
        {
            return null;
        }

        if (parse(text.Trim()) is { } value)
        {
            return value;
        }

        _errors.Add($"{PathOf(section, key)}: '{text}' is not {expected} (source '{_sourceName}').");
        return null;
    }

    private static string PathOf(IConfiguration section, string? key = null)
    {
        var path = section is IConfigurationSection s ? s.Path : string.Empty;
        return PathOf(path, key);
    }

    private static string PathOf(string path, string? key) =>
        key is null ? path : path.Length == 0 ? key : ConfigurationPath.Combine(path, key);
}
