using Ingestion.DatabaseSources.Internal;
using Ingestion.Queue.Internal;
using Ingestion.Tests.Support;
using Ingestion.Workers.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Ingestion.Tests.DatabaseSources;

public sealed class DatabaseSourcesTests : IAsyncLifetime
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero));
    private TestHttpServer _server = null!;
    private IHost _host = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private ISourceDefinitionStore Store => _host.Services.GetRequiredService<ISourceDefinitionStore>();

    private ISyncRunner Runner => _host.Services.GetRequiredService<ISyncRunner>();

    private ISourceCatalog Catalog => _host.Services.GetRequiredService<ISourceCatalog>();

    public async ValueTask InitializeAsync()
    {
        _server = await TestHttpServer.StartAsync(app =>
        {
            app.MapGet("/v1/items", () => Results.Json(new[] { new { id = 1 }, new { id = 2 } }));
            app.MapGet("/v2/items", () => Results.Json(new[] { new { id = 1 }, new { id = 2 }, new { id = 3 } }));
            app.MapGet("/code/things", () => Results.Json(new[] { new { id = 9 } }));
        });
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Services.AddIngestion(ingestion => ingestion
            .UseInMemoryStores()
            .AddRestSource("coded", source => source.BaseAddress(_server.BaseAddress).Stream("things", s => s.Get("code/things").Records("$").Key("id")))
            .AddDatabaseSources(options => options.ReloadInterval = Interval));
        _host = builder.Build();
        await _host.StartAsync(Cancel);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(CancellationToken.None);
        _host.Dispose();
        await _server.DisposeAsync();
    }

    private string Definition(string path) =>
        $$"""{ "BaseAddress": "{{_server.BaseAddress}}", "Streams": { "items": { "Path": "{{path}}", "Key": "id" } } }""";

    private async Task ReloadAsync()
    {
        var next = _host.Services.GetRequiredService<SourceDefinitionReloader>().NextReload;
        _time.Advance(Interval);
        await next.WaitAsync(Cancel);
    }

    private async Task<StoredSourceDefinition> RowAsync(string name) => (await Store.ListAsync(Cancel)).Single(row => row.Name == name);

    [Fact]
    public async Task An_added_source_becomes_syncable_a_changed_one_uses_its_new_definition_and_a_disabled_one_is_gone()
    {
        Assert.Null(Catalog.Find("shop"));
        await Store.UpsertAsync("shop", Definition("v1/items"), enabled: true, Cancel);
        await ReloadAsync();

        var first = Assert.Single(await Runner.SyncSourceAsync("shop", null, Cancel));
        Assert.Equal((RunStatus.Succeeded, 2), (first.Status, first.RecordsFetched));
        Assert.Equal(["coded", "shop"], Catalog.Sources.Select(source => source.Name));
        var row = await RowAsync("shop");
        Assert.Equal((1, (string?)null), (row.LoadedVersion, row.LastError));

        await Store.UpsertAsync("shop", Definition("v2/items"), enabled: true, Cancel);
        await ReloadAsync();

        var second = Assert.Single(await Runner.SyncStreamAsync("shop", "items", null, Cancel));
        Assert.Equal((RunStatus.Succeeded, 3), (second.Status, second.RecordsFetched));
        Assert.Equal(1, _server.CountFor("/v2/items"));
        Assert.Equal(2, (await RowAsync("shop")).LoadedVersion);

        await Store.DisableAsync("shop", Cancel);
        await ReloadAsync();

        Assert.Null(Catalog.Find("shop"));
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Runner.SyncSourceAsync("shop", null, Cancel));
        Assert.Contains("Source 'shop' is not registered", error.Message, StringComparison.Ordinal);
        var handler = ActivatorUtilities.CreateInstance<SyncJobHandler>(_host.Services);
        var job = new ClaimedJob
        {
            Id = 1,
            JobType = IngestionJobTypes.Sync,
            Payload = new SyncJobPayload { Source = "shop", Stream = "items", Trigger = "manual" }.ToJson(),
            Attempt = 1,
            MaxAttempts = 3,
            LeaseToken = Guid.NewGuid(),
            LeaseExpiresAt = DateTimeOffset.MaxValue,
        };
        await Assert.ThrowsAsync<PermanentJobFailureException>(async () => await handler.HandleAsync(job, Cancel));
        Assert.NotNull(Catalog.Find("coded"));
    }

    [Fact]
    public async Task Invalid_definitions_record_their_error_without_affecting_other_sources_and_a_fix_clears_it()
    {
        await Store.UpsertAsync("good", Definition("v1/items"), enabled: true, Cancel);
        await Store.UpsertAsync("broken-json", """{ "BaseAddress": "http://x/", "Streams": """, enabled: true, Cancel);
        await Store.UpsertAsync("bad-paginator", $$"""{ "BaseAddress": "{{_server.BaseAddress}}", "Streams": { "items": { "Path": "v1/items", "Paginator": { "Kind": "cursr" } } } }""", enabled: true, Cancel);
        await Store.UpsertAsync("bad-placeholder", $$"""{ "BaseAddress": "{{_server.BaseAddress}}", "Streams": { "items": { "Path": "v1/{missing", "Key": "id" } } }""", enabled: true, Cancel);
        await ReloadAsync();

        Assert.Contains("Source 'broken-json': the definition is not a valid JSON object", (await RowAsync("broken-json")).LastError, StringComparison.Ordinal);
        Assert.Contains("Streams:items:Paginator:Kind: unknown kind 'cursr'", (await RowAsync("bad-paginator")).LastError, StringComparison.Ordinal);
        Assert.Contains("Source 'bad-placeholder', stream 'items': Path", (await RowAsync("bad-placeholder")).LastError, StringComparison.Ordinal);
        Assert.All(new[] { "broken-json", "bad-paginator", "bad-placeholder" }, name => Assert.Null(Catalog.Find(name)));
        Assert.Equal(RunStatus.Succeeded, Assert.Single(await Runner.SyncSourceAsync("good", null, Cancel)).Status);
        Assert.Null((await RowAsync("good")).LastError);

        // The host keeps reloading: fixing a definition loads it and clears its error.
        await Store.UpsertAsync("broken-json", Definition("v2/items"), enabled: true, Cancel);
        await ReloadAsync();

        var fixedRow = await RowAsync("broken-json");
        Assert.Equal((2, (string?)null), (fixedRow.LoadedVersion, fixedRow.LastError));
        Assert.Equal(3, Assert.Single(await Runner.SyncSourceAsync("broken-json", null, Cancel)).RecordsFetched);
    }

    [Fact]
    public async Task A_changed_definition_that_is_invalid_keeps_the_loaded_version_running_and_records_the_error()
    {
        await Store.UpsertAsync("shop", Definition("v1/items"), enabled: true, Cancel);
        await ReloadAsync();
        await Store.UpsertAsync("shop", """{ "BaseAddress": "not a url", "Streams": { "items": { "Path": "v2/items" } } }""", enabled: true, Cancel);
        await ReloadAsync();

        var row = await RowAsync("shop");
        Assert.Equal(1, row.LoadedVersion);
        Assert.Contains("BaseAddress: 'not a url' must be an absolute http or https address", row.LastError, StringComparison.Ordinal);
        Assert.Equal(2, Assert.Single(await Runner.SyncSourceAsync("shop", null, Cancel)).RecordsFetched);
    }

    [Fact]
    public async Task A_stored_definition_cannot_replace_a_source_registered_in_code()
    {
        var coded = Catalog.Find("coded");
        await Store.UpsertAsync("Coded", Definition("v1/items"), enabled: true, Cancel);
        await ReloadAsync();

        Assert.Contains("already registered in code or configuration", (await RowAsync("Coded")).LastError, StringComparison.Ordinal);
        Assert.Same(coded, Catalog.Find("coded"));
        Assert.Null(Catalog.Find("Coded"));
        Assert.Equal(1, Assert.Single(await Runner.SyncSourceAsync("coded", null, Cancel)).RecordsFetched);
    }

    [Fact]
    public async Task Definitions_stored_before_start_are_loaded_when_the_host_starts()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<TimeProvider>(_time);
        var store = new InMemorySourceDefinitionStore(_time);
        await store.UpsertAsync("early", Definition("v1/items"), enabled: true, Cancel);
        builder.Services.AddSingleton<ISourceDefinitionStore>(store);
        builder.Services.AddIngestion(ingestion => ingestion.UseInMemoryStores().AddDatabaseSources());
        using var host = builder.Build();
        await host.StartAsync(Cancel);

        // Loaded before the first request, not on the first reload: the fake clock never moves here.
        var early = host.Services.GetRequiredService<ISourceCatalog>().Find("early");
        Assert.NotNull(early);
        Assert.Equal(_server.BaseAddress, early.BaseAddress);
        var stream = Assert.Single(early.Streams);
        Assert.Equal(("items", "v1/items"), (stream.Name, stream.Path));
        var row = (await store.ListAsync(Cancel)).Single(stored => stored.Name == "early");
        Assert.Equal((1, (string?)null), (row.LoadedVersion, row.LastError));
        await host.StopAsync(Cancel);
    }

    [Fact]
    public async Task A_reload_interval_out_of_range_stops_the_host_at_start_up()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddIngestion(ingestion => ingestion.UseInMemoryStores().AddDatabaseSources(options => options.ReloadInterval = TimeSpan.Zero));
        using var host = builder.Build();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync(Cancel));
        Assert.Contains("DatabaseSources:ReloadInterval must be between 1 second and 1 hour", error.Message, StringComparison.Ordinal);
    }
}
