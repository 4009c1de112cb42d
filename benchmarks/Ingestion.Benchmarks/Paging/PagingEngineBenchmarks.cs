using System.Buffers;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;

namespace Ingestion.Benchmarks.Paging;

/// <summary>
/// The paging engine (the HTTP fetcher from DI, page-number paginator, JSON selector, key path) against a hand-written
/// <see cref="HttpClient"/> loop doing the same work (pooled body, same selector, same key path), over one loopback
/// server in its own process (<see cref="PageServerProcess"/>) with 1,000 pages × 100 pre-serialized records per operation.
/// Divide allocated bytes by 1,001 for bytes per page (the last page is empty). BenchmarkDotNet runs the two one after the
/// other; on a shared machine the interleaved comparison (<c>-- paging</c>, <see cref="PagingComparison"/>) gives the steadier ratio.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 5, iterationCount: 20)]
public class PagingEngineBenchmarks
{
    public const int Pages = 1_000;
    public const int RecordsPerPage = 100;

    private PageServerProcess _server = null!;
    private ServiceProvider _services = null!;
    private IFetcher _fetcher = null!;
    private HttpClient _client = null!;
    private SourceDefinition _source = null!;
    private StreamDefinition _stream = null!;
    private RecordSelector _selector = null!;
    private JsonPath _key = null!;

    [GlobalSetup]
    public void Setup()
    {
        _server = PageServerProcess.Start(Pages, RecordsPerPage, Pages);
        (_services, _fetcher, _source, _stream) = Engine(_server.BaseAddress, maxPages: Pages + 1);
        _client = new HttpClient(new SocketsHttpHandler()) { BaseAddress = _server.BaseAddress };
        _selector = RecordSelector.Json("$.data");
        _key = JsonPath.Parse("id");
        Console.WriteLine($"// payload bytes per record: {_server.PayloadBytesPerRecord:0.0}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client.Dispose();
        _services.Dispose();
        _server.Dispose();
    }

    [Benchmark(Baseline = true)]
    public Task<long> HandWrittenHttpClientLoop() => HandWrittenLoopAsync(_client, _selector, _key);

    [Benchmark]
    public async Task<long> PagingEngine() => await FetchAllAsync(_fetcher, _source, _stream, onPage: null);

    /// <summary>The engine as a host gets it: <c>AddIngestion()</c> on the system clock, one source with the standard page-number paginator.</summary>
    public static (ServiceProvider Services, IFetcher Fetcher, SourceDefinition Source, StreamDefinition Stream) Engine(Uri baseAddress, int maxPages)
    {
        var services = new ServiceCollection().AddIngestion().Services.BuildServiceProvider();
        var stream = Items(maxPages);
        var source = new SourceDefinition { Name = "bench", BaseAddress = baseAddress, Streams = [stream] };
        return (services, services.GetRequiredService<IFetcher>(), source, stream);
    }

    /// <summary>The page server's <c>/items</c> as a stream: pages by number, records under <c>$.data</c> keyed by <c>id</c>; incremental when given a cursor.</summary>
    public static StreamDefinition Items(int maxPages, IncrementalSettings? incremental = null) => new()
    {
        Name = "items",
        Path = "items",
        Paginator = Paginators.PageNumber("page", sizeParameter: null, pageSize: RecordsPerPage),
        Records = RecordSelector.Json("$.data"),
        KeyPath = "id",
        Mode = incremental is null ? SyncMode.FullSnapshot : SyncMode.Incremental,
        Incremental = incremental,
        Limits = new PagingLimits { MaxPages = maxPages, MaxRecords = long.MaxValue },
    };

    public static async Task<long> FetchAllAsync(IFetcher fetcher, SourceDefinition source, StreamDefinition stream, Action<FetchedPage>? onPage)
    {
        var first = stream.Paginator.PrepareFirst(new PageRequest(HttpMethod.Get, new Uri(source.BaseAddress, stream.Path)));
        long records = 0;
        await foreach (var page in fetcher.FetchAsync(new FetchRequest { Source = source, Stream = stream, FirstRequest = first }, CancellationToken.None))
        {
            if (!page.Outcome.IsSuccess)
            {
                throw new InvalidOperationException($"Page {page.PageNumber} failed: {page.Outcome.Status} {page.Outcome.Error}");
            }

            records += page.Records.Count;
            onPage?.Invoke(page);
        }

        return records;
    }

    /// <summary>
    /// What the engine does for one stream, by hand: each page read whole into a pooled array, its records selected, each
    /// record's key read; it stops at the first short page.
    /// </summary>
    public static async Task<long> HandWrittenLoopAsync(HttpClient client, RecordSelector selector, JsonPath key)
    {
        long records = 0;
        for (var page = 1; ; page++)
        {
            using var response = await client.GetAsync($"items?page={page}", HttpCompletionOption.ResponseHeadersRead);
            response.EnsureSuccessStatusCode();
            var buffer = ArrayPool<byte>.Shared.Rent((int)(response.Content.Headers.ContentLength ?? 16 * 1024) + 1);
            var length = 0;
            await using (var stream = await response.Content.ReadAsStreamAsync())
            {
                int read;
                while ((read = await stream.ReadAsync(buffer.AsMemory(length))) > 0)
                {
                    length += read;
                    if (length == buffer.Length)
                    {
                        var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }
                }
            }

            var selection = selector.Select(buffer.AsMemory(0, length));
            var count = 0;
            foreach (var record in selection.Records)
            {
                if (key.TryGetString(record.Span, out var value) && value is not null)
                {
                    count++;
                }
            }

            ArrayPool<byte>.Shared.Return(buffer);
            records += count;
            if (count < RecordsPerPage)
            {
                return records;
            }
        }
    }
}
