using System.Text;
using System.Text.Json;
using Ingestion.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ingestion.Tests.Fetching;

/// <summary>The engine's HTTP fetcher from DI, on a signalling fake clock, with every log line captured.</summary>
internal sealed class FetcherHarness : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    public FetcherHarness(Action<IIngestionBuilder>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(Time);
        services.AddLogging(logging => logging.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace));
        var ingestion = services.AddIngestion();
        configure?.Invoke(ingestion);
        _provider = services.BuildServiceProvider();
        Fetcher = _provider.GetRequiredService<IFetcher>();
    }

    public SignallingTimeProvider Time { get; } = new();

    public CapturingLoggerProvider Logs { get; } = new();

    public IFetcher Fetcher { get; }

    /// <summary>Fetches every page, copying records out of the pooled buffers, while the clock follows armed timers except the attempt timeout.</summary>
    public Task<List<PageCopy>> FetchAllAsync(SourceDefinition source, StreamDefinition stream, PageRequest? first = null, string? parentKey = null, CancellationToken cancellationToken = default) =>
        Time.DriveAsync(CollectAsync(source, stream, first, parentKey, cancellationToken), due => due != source.Resilience.AttemptTimeout);

    public async Task<List<PageCopy>> CollectAsync(SourceDefinition source, StreamDefinition stream, PageRequest? first = null, string? parentKey = null, CancellationToken cancellationToken = default)
    {
        var request = new FetchRequest
        {
            Source = source,
            Stream = stream,
            FirstRequest = first ?? new PageRequest(stream.Method, new Uri(source.BaseAddress, stream.Path), stream.Body),
            ParentKey = parentKey,
        };
        var pages = new List<PageCopy>();
        await foreach (var page in Fetcher.FetchAsync(request, cancellationToken))
        {
            pages.Add(new PageCopy(page, [.. page.Records.Select(r => (r.Key, Encoding.UTF8.GetString(r.Payload.Span)))]));
        }

        return pages;
    }

    public ValueTask DisposeAsync() => _provider.DisposeAsync();

    public static SourceDefinition Source(Uri baseAddress, StreamDefinition stream, IAuthenticator? authenticator = null, RateBudget? budget = null, ResilienceSettings? resilience = null, string name = "vendor") => new()
    {
        Name = name,
        BaseAddress = baseAddress,
        Authenticator = authenticator,
        RateBudget = budget,
        Resilience = resilience ?? FastRetries(),
        Streams = [stream],
    };

    /// <summary>Default retries and timeout, but a 10 ms base delay so a wait the API asked for stands out from backoff.</summary>
    public static ResilienceSettings FastRetries(int maxRetries = 3) => new() { BaseDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(100), MaxRetries = maxRetries };

    public static StreamDefinition Stream(string path = "items", IPaginator? paginator = null, PagingLimits? limits = null, string? keyPath = "id", HttpMethod? method = null, bool retryNonIdempotent = false) => new()
    {
        Name = "items",
        Path = path,
        Method = method ?? HttpMethod.Get,
        Body = method == HttpMethod.Post ? "{}"u8.ToArray() : default,
        Paginator = paginator ?? Paginators.None(),
        Records = new DataArraySelector(),
        KeyPath = keyPath,
        Limits = limits ?? new PagingLimits(),
        RetryNonIdempotent = retryNonIdempotent,
    };

    /// <summary>A body <c>{"data":[{"id":"p{page}-{i}"},...],"next":...}</c>.</summary>
    public static string Page(int page, int records, string? next = null)
    {
        var builder = new StringBuilder("{\"data\":[");
        for (var i = 0; i < records; i++)
        {
            builder.Append(i == 0 ? string.Empty : ",").Append("{\"id\":\"p").Append(page).Append('-').Append(i).Append("\",\"name\":\"record ").Append(i).Append("\"}");
        }

        builder.Append(']');
        if (next is not null)
        {
            builder.Append(",\"next\":\"").Append(next).Append('"');
        }

        return builder.Append('}').ToString();
    }
}

internal sealed record PageCopy(FetchedPage Page, List<(string Key, string Json)> Records)
{
    public FetchOutcome Outcome => Page.Outcome;
}

/// <summary>Selects the elements of the root object's <c>data</c> array as slices of the body.</summary>
internal sealed class DataArraySelector : RecordSelector
{
    public override RecordSelection Select(ReadOnlyMemory<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body.Span);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return RecordSelection.Malformed("the body is not a JSON object");
            }

            var records = new List<ReadOnlyMemory<byte>>();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isData = reader.ValueTextEquals("data");
                reader.Read();
                if (isData && reader.TokenType == JsonTokenType.StartArray)
                {
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        var start = (int)reader.TokenStartIndex;
                        reader.Skip();
                        records.Add(body[start..(int)reader.BytesConsumed]);
                    }
                }
                else
                {
                    reader.Skip();
                }
            }

            return RecordSelection.Of(records);
        }
        catch (JsonException exception)
        {
            return RecordSelection.Malformed($"invalid JSON at byte {exception.BytePositionInLine}: {exception.Message}");
        }
    }
}

/// <summary>Follows the absolute or relative URL in the body's <c>next</c> property.</summary>
internal sealed class NextLinkPaginator : IPaginator
{
    public PageRequest PrepareFirst(PageRequest request) => request;

    public PageDecision Next(PageRequest request, PageResponse response)
    {
        using var document = JsonDocument.Parse(response.Body);
        return document.RootElement.TryGetProperty("next", out var next) && next.GetString() is { Length: > 0 } link
            ? PageDecision.Next(request.WithUri(new Uri(link, UriKind.RelativeOrAbsolute)))
            : PageDecision.Stop(PageStopReason.NoNextPage);
    }
}

/// <summary>Sets <c>page=n+1</c> after every page that had records.</summary>
internal sealed class PageParameterPaginator : IPaginator
{
    public PageRequest PrepareFirst(PageRequest request) => request.WithQueryParameter("page", "1");

    public PageDecision Next(PageRequest request, PageResponse response)
    {
        if (response.RecordCount == 0)
        {
            return PageDecision.Stop(PageStopReason.EmptyPage);
        }

        var page = int.Parse(request.GetQueryParameter("page") ?? "1", System.Globalization.CultureInfo.InvariantCulture);
        return PageDecision.Next(request.WithQueryParameter("page", (page + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }
}
