using Ingestion.Postgres.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Ingestion.Postgres.Tests.Composition;

public sealed class UsePostgresTests(PostgresServerFixture server)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Host_start_migrates_the_configured_schema_and_the_stores_use_it()
    {
        var connectionString = await server.GetDatabaseAsync(nameof(UsePostgresTests));
        var builder = Host.CreateApplicationBuilder();
        AddFetcherStub(builder.Services);
        builder.Services.AddIngestion(ingestion => ingestion.UsePostgres(connectionString, options => options.Schema = "hosted"));
        using var host = builder.Build();

        await host.StartAsync(Cancel);
        var health = host.Services.GetRequiredService<IHealthStore>();
        await health.SaveAsync(new StreamHealth { Stream = new StreamId("s", "t"), Status = StreamHealthStatus.Healthy }, Cancel);
        await host.StopAsync(Cancel);

        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("SELECT status FROM hosted.stream_health");
        Assert.Equal("Healthy", (string)(await command.ExecuteScalarAsync(Cancel))!);
    }

    [Theory]
    [InlineData("x; drop table y")]
    [InlineData("\"quoted\"")]
    [InlineData("")]
    [InlineData("a234567890123456789012345678901234567890123456789012345678901234")]
    public async Task A_hostile_schema_name_stops_start_up_naming_the_option_and_value(string schema)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddIngestion(ingestion => ingestion.UsePostgres("Host=127.0.0.1;Port=1", options => options.Schema = schema));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Cancel));

        Assert.Contains("PostgresStoreOptions.Schema", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{schema}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Other_invalid_options_stop_start_up_naming_them()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddIngestion(ingestion => ingestion.UsePostgres("Host=127.0.0.1;Port=1", options =>
        {
            options.BatchSize = 0;
            options.CommandTimeout = TimeSpan.Zero;
        }));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Cancel));

        Assert.Contains("PostgresStoreOptions.BatchSize", error.Message, StringComparison.Ordinal);
        Assert.Contains("PostgresStoreOptions.CommandTimeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replaces_stores_registered_before_it()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IRawStore>(new UnusedRawStore());
        services.AddIngestion(ingestion => ingestion.UsePostgres("Host=127.0.0.1;Port=1", options => options.AutoMigrate = false));

        Assert.Single(services, descriptor => descriptor.ServiceType == typeof(IRawStore));
        await using var provider = services.BuildServiceProvider();
        Assert.IsNotType<UnusedRawStore>(provider.GetRequiredService<IRawStore>());
        Assert.NotNull(provider.GetRequiredService<IJobQueue>());
        Assert.NotNull(provider.GetRequiredService<IDerivedStore>());
    }

    [Fact]
    public async Task Uses_a_keyed_data_source_from_the_host()
    {
        var connectionString = await server.GetDatabaseAsync(nameof(UsePostgresTests));
        var builder = Host.CreateApplicationBuilder();
        AddFetcherStub(builder.Services);
        builder.Services.AddKeyedSingleton("ingestion-db", (_, _) => NpgsqlDataSource.Create(connectionString));
        builder.Services.AddIngestion(ingestion => ingestion.UseKeyedPostgres("ingestion-db", options => options.Schema = "keyed"));
        using var host = builder.Build();

        await host.StartAsync(Cancel);
        var state = host.Services.GetRequiredService<ISyncStateStore>();
        await state.SaveAsync(new SyncState { Stream = new StreamId("a", "b"), Watermark = "w1", UpdatedAt = DateTimeOffset.UnixEpoch }, Cancel);
        var read = await state.GetAsync(new StreamId("a", "b"), Cancel);
        await host.StopAsync(Cancel);

        Assert.Equal("w1", read?.Watermark);
    }

    /// <summary>The engine checks at start-up that a fetcher exists; these tests never fetch.</summary>
    private static void AddFetcherStub(IServiceCollection services) =>
        services.AddSingleton(typeof(IFetcher), _ => throw new NotSupportedException("These tests do not fetch."));

    private sealed class UnusedRawStore : IRawStore
    {
        public ValueTask<RawBatchResult> WriteBatchAsync(RawBatch batch, CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask<RawRecord?> GetLatestAsync(StreamId stream, string key, CancellationToken cancellationToken) => throw new NotSupportedException();
        public IAsyncEnumerable<RawRecord> GetHistoryAsync(StreamId stream, string key, CancellationToken cancellationToken) => throw new NotSupportedException();
        public IAsyncEnumerable<RawRecord> QueryLatestAsync(StreamId stream, RawRecordQuery? query, CancellationToken cancellationToken) => throw new NotSupportedException();
        public IAsyncEnumerable<RawRecord> GetChangedSinceAsync(StreamId stream, DateTimeOffset since, CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask<int> MarkMissingDeletedAsync(StreamId stream, DateTimeOffset seenSince, DateTimeOffset deletedAt, CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask<long> CountLatestAsync(StreamId stream, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
