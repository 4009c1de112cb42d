using Ingestion.DatabaseSources.Internal;
using Ingestion.Postgres.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Ingestion.Postgres.Tests.Sources;

public sealed class PostgresSourceDefinitionStoreTests(PostgresServerFixture server)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private const string Valid = """{ "BaseAddress": "https://api.example.com/", "Streams": { "items": { "Path": "v1/items", "Key": "id" } } }""";

    [Fact]
    public async Task Stored_definitions_round_trip_through_the_sources_table_and_the_reloader_records_loads_and_errors_on_the_rows()
    {
        var connectionString = await server.GetDatabaseAsync(nameof(PostgresSourceDefinitionStoreTests));
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddIngestion(ingestion => ingestion.UsePostgres(connectionString, options => options.Schema = "db_sources").AddDatabaseSources());
        await using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<ISourceDefinitionStore>();
        var reloader = provider.GetRequiredService<SourceDefinitionReloader>();
        var catalog = provider.GetRequiredService<ISourceCatalog>();

        var stored = await store.UpsertAsync("shop", Valid, enabled: true, Cancel);
        Assert.Equal((1, true, (int?)null), (stored.Version, stored.Enabled, stored.LoadedVersion));
        Assert.Equal(1, (await store.UpsertAsync("shop", Valid, enabled: true, Cancel)).Version);
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.UpsertAsync("broken", "{ not json", enabled: true, Cancel));

        await reloader.ReloadAsync(Cancel);
        var row = Assert.Single(await store.ListAsync(Cancel));
        Assert.Equal((1, (string?)null, time.GetUtcNow()), (row.LoadedVersion, row.LastError, row.LoadedAt));
        Assert.Equal(new Uri("https://api.example.com/"), catalog.Find("shop")!.BaseAddress);

        // A definition edited by hand is a new version; an invalid one records its error and leaves the loaded version running.
        await using (var dataSource = NpgsqlDataSource.Create(connectionString))
        {
            await using var command = dataSource.CreateCommand("""UPDATE db_sources.sources SET definition = '{"BaseAddress": "https://api.example.com/", "Streams": {"items": {"Path": "v1/items", "Mode": "Incremental"}}}' WHERE name = 'shop'""");
            await command.ExecuteNonQueryAsync(Cancel);
        }

        await reloader.ReloadAsync(Cancel);
        row = Assert.Single(await store.ListAsync(Cancel));
        Assert.Equal((2, 1), (row.Version, row.LoadedVersion));
        Assert.Contains("Streams:items:Incremental:CursorField: is required when Mode is Incremental", row.LastError, StringComparison.Ordinal);
        Assert.Equal(time.GetUtcNow(), row.LastErrorAt);
        Assert.NotNull(catalog.Find("shop"));

        await store.UpsertAsync("shop", Valid.Replace("v1/items", "v2/items", StringComparison.Ordinal), enabled: true, Cancel);
        await reloader.ReloadAsync(Cancel);
        row = Assert.Single(await store.ListAsync(Cancel));
        Assert.Equal((3, 3, (string?)null, (DateTimeOffset?)null), (row.Version, row.LoadedVersion, row.LastError, row.LastErrorAt));
        Assert.Equal("v2/items", catalog.Find("shop")!.FindStream("items")!.Path);

        Assert.True(await store.DisableAsync("shop", Cancel));
        Assert.False(await store.DisableAsync("nothing", Cancel));
        await reloader.ReloadAsync(Cancel);
        row = Assert.Single(await store.ListAsync(Cancel));
        Assert.Equal((4, false), (row.Version, row.Enabled));
        Assert.Null(catalog.Find("shop"));
    }
}
