using System.Text;
using System.Text.Json;
using Ingestion.Tests.Running;
using Microsoft.Extensions.DependencyInjection;

namespace Ingestion.Tests.Client;

/// <summary>
/// Derived data follows vendor data that moves or disappears: a record edited into another input key (an entry moved to
/// another day) withdraws what it fed under the old key, and a record deleted from a complete snapshot withdraws what it
/// fed at all, in the inline path and through derive jobs alike.
/// </summary>
public sealed class DerivationOfMovedAndDeletedRecordsTests : IAsyncDisposable
{
    private static readonly StreamId Entries = new("shop", "entries");
    private readonly Dictionary<string, string> _days = new(StringComparer.Ordinal);
    private readonly ServiceProvider _provider;

    public DerivationOfMovedAndDeletedRecordsTests()
    {
        // Ten entries on day C that never change keep every snapshot well above the snapshot guard's ratio.
        for (var i = 0; i < 10; i++)
        {
            _days[$"c{i}"] = "C";
        }

        var source = new SourceDefinition
        {
            Name = "shop",
            BaseAddress = new Uri("https://shop.example/"),
            Streams = [new StreamDefinition { Name = "entries", Path = "entries" }],
        };
        var fetcher = new ScriptedFetcher((_, _) => new ScriptedPage([.. _days.Select(day => (day.Key, $$"""{"id":"{{day.Key}}","day":"{{day.Value}}"}"""))]));
        var services = new ServiceCollection();
        services.AddIngestion(ingestion => ingestion.UseInMemoryStores().AddSource(source).AddDeriver(new EntriesByDay()));
        services.AddSingleton<IFetcher>(fetcher);
        _provider = services.BuildServiceProvider();
    }

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_moved_record_leaves_its_old_input_key_and_a_deleted_record_leaves_every_key(bool inline)
    {
        _days["e1"] = "A";
        _days["e2"] = "A";
        await SyncAndDeriveAsync(inline);
        Assert.Equal(["A/e1", "A/e2"], await DerivedAsync("A"));

        _days["e1"] = "B";
        await SyncAndDeriveAsync(inline);
        Assert.Equal(["A/e2"], await DerivedAsync("A"));
        Assert.Equal(["B/e1"], await DerivedAsync("B"));

        _days.Remove("e2");
        var report = await SyncAndDeriveAsync(inline);
        Assert.Equal(1, report.RecordsDeleted);
        Assert.Empty(await DerivedAsync("A"));
        Assert.Equal(["B/e1"], await DerivedAsync("B"));
        Assert.Equal(10, (await DerivedAsync("C")).Count);
    }

    public ValueTask DisposeAsync() => _provider.DisposeAsync();

    private async Task<SyncReport> SyncAndDeriveAsync(bool inline)
    {
        var client = _provider.GetRequiredService<IIngestionClient>();
        var result = await client.SyncNowAsync(new SyncNowRequest { Source = "shop", Stream = "entries", InlineDerivations = inline ? 1_000 : 0 }, Cancel);
        if (!inline)
        {
            var queue = _provider.GetRequiredService<IJobQueue>();
            var handler = _provider.GetServices<IJobHandler>().Single(h => h.JobType == IngestionJobTypes.Derive);
            foreach (var job in await queue.ClaimAsync(new ClaimRequest { WorkerId = "test", MaxJobs = 100, JobTypes = [IngestionJobTypes.Derive], LeaseDuration = TimeSpan.FromMinutes(5) }, Cancel))
            {
                await handler.HandleAsync(job, Cancel);
            }
        }

        return Assert.Single(result.Reports);
    }

    private async Task<List<string>> DerivedAsync(string day) =>
        [.. (await _provider.GetRequiredService<IDerivedStore>().GetAsync(EntriesByDay.DeriverName, day, Cancel)).Select(r => r.Record.Key).Order(StringComparer.Ordinal)];

    /// <summary>One derived record per entry of a day, read from the raw store's current (not deleted) entries.</summary>
    private sealed class EntriesByDay : IDeriver
    {
        public const string DeriverName = "entries-by-day";

        public string Name => DeriverName;

        public int Version => 1;

        public IReadOnlyList<StreamId> Inputs => [Entries];

        public string? GetInputKey(StreamId stream, string recordKey, ReadOnlyMemory<byte> payload) =>
            JsonDocument.Parse(payload).RootElement.GetProperty("day").GetString();

        public async ValueTask<IReadOnlyList<DerivedRecord>> DeriveAsync(string inputKey, DerivationContext context, CancellationToken cancellationToken)
        {
            var output = new List<DerivedRecord>();
            await foreach (var record in context.RawStore.QueryLatestAsync(Entries, new RawRecordQuery { FieldName = "day", FieldValue = inputKey }, cancellationToken))
            {
                output.Add(new DerivedRecord { Key = $"{inputKey}/{record.Key}", Kind = "entry", Payload = Encoding.UTF8.GetBytes("{}") });
            }

            return output;
        }
    }
}
