using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Ingestion.Tests.InMemory;

public sealed class UseInMemoryStoresTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_store_and_the_queue_resolve_as_singletons_that_share_their_data_and_the_hosts_clock()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddIngestion(ingestion => ingestion.UseInMemoryStores());
        await using var provider = services.BuildServiceProvider();

        var raw = provider.GetRequiredService<IRawStore>();
        Assert.Same(raw, provider.GetRequiredService<IRawStore>());
        Assert.NotNull(provider.GetRequiredService<IDerivedStore>());
        Assert.NotNull(provider.GetRequiredService<IHealthStore>());
        Assert.NotNull(provider.GetRequiredService<IRunLog>());

        // A batch's state is visible through the state store: they are one storage.
        var stream = new StreamId("s", "t");
        var state = new SyncState { Stream = stream, Watermark = "w", UpdatedAt = time.GetUtcNow() };
        await raw.WriteBatchAsync(new RawBatch { Stream = stream, RunId = Guid.NewGuid(), FetchedAt = time.GetUtcNow(), Records = [], State = state }, Cancel);
        Assert.Equal(state, await provider.GetRequiredService<ISyncStateStore>().GetAsync(stream, Cancel));

        var queue = provider.GetRequiredService<IJobQueue>();
        var id = (await queue.EnqueueAsync(new JobRequest { JobType = "sync" }, Cancel)).JobId;
        Assert.Equal(time.GetUtcNow(), (await queue.GetAsync(id, Cancel))!.EnqueuedAt);
    }

    [Fact]
    public void A_store_registered_before_is_kept()
    {
        var services = new ServiceCollection();
        var own = new Running.InTestStores();
        services.AddSingleton<IRawStore>(own);
        services.AddIngestion(ingestion => ingestion.UseInMemoryStores());
        using var provider = services.BuildServiceProvider();

        Assert.Same(own, provider.GetRequiredService<IRawStore>());
        Assert.NotNull(provider.GetRequiredService<IJobQueue>());
    }

    [Fact]
    public async Task Invalid_options_stop_the_host_with_a_message_naming_the_option()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddIngestion(ingestion => ingestion.UseInMemoryStores(options =>
        {
            options.MaxPayloadBytes = 0;
            options.DeadRetention = TimeSpan.FromDays(-1);
        }));
        using var host = builder.Build();

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Cancel));
        Assert.Contains("InMemoryStoreOptions.MaxPayloadBytes must be at least 1; it is 0.", exception.Failures);
        Assert.Contains(exception.Failures, failure => failure.StartsWith("InMemoryStoreOptions.DeadRetention", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_configured_backoff_and_payload_limit_are_used()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddIngestion(ingestion => ingestion.UseInMemoryStores(options =>
        {
            options.JobBackoff = attempt => TimeSpan.FromMinutes(attempt * 10);
            options.MaxPayloadBytes = 16;
        }));
        await using var provider = services.BuildServiceProvider();

        var queue = provider.GetRequiredService<IJobQueue>();
        var id = (await queue.EnqueueAsync(new JobRequest { JobType = "sync" }, Cancel)).JobId;
        var claimed = Assert.Single(await queue.ClaimAsync(new ClaimRequest { WorkerId = "w" }, Cancel));
        Assert.True(await queue.FailAsync(id, claimed.LeaseToken, new JobFailure { Error = "x" }, Cancel));
        Assert.Equal(time.GetUtcNow().AddMinutes(10), (await queue.GetAsync(id, Cancel))!.RunAt);

        var payload = """{"name":"a long enough value"}"""u8.ToArray();
        var stream = new StreamId("s", "t");
        var result = await provider.GetRequiredService<IRawStore>().WriteBatchAsync(new RawBatch
        {
            Stream = stream, RunId = Guid.NewGuid(), FetchedAt = time.GetUtcNow(),
            Records = [new RawRecordWrite { Key = "k", Payload = payload, Hash = new ContentHash(System.Security.Cryptography.SHA256.HashData(payload)) }],
        }, Cancel);
        Assert.Equal(IssueKind.PayloadTooLarge, Assert.Single(result.Issues).Kind);
        Assert.False((await provider.GetRequiredService<IRawStore>().GetLatestAsync(stream, "k", Cancel))!.IsJson);
    }
}
