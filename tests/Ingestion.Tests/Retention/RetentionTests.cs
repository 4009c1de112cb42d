using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Ingestion.Tests.Retention;

public sealed class RetentionTests
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly StreamId Items = new("vendor", "items");

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static ServiceProvider Build(Dictionary<string, string?> settings, FakeTimeProvider? time = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddSingleton<TimeProvider>(time ?? new FakeTimeProvider(T0)).AddLogging();
        services.AddIngestion(ingestion => ingestion.UseInMemoryStores().ConfigureRetention(configuration.GetSection("Ingestion:Retention")));
        return services.BuildServiceProvider();
    }

    [Fact]
    public void A_misspelt_retention_key_fails_at_start_naming_the_key()
    {
        using var provider = Build(new() { ["Ingestion:Retention:RunLogMaxAge"] = "30.00:00:00", ["Ingestion:Retention:SupersededVersionMaxAge"] = "10.00:00:00" });

        var exception = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IOptions<RetentionOptions>>().Value);

        Assert.Contains("SupersededVersionMaxAge", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rules_that_cannot_be_meant_fail_at_start_each_named()
    {
        using var provider = Build(new()
        {
            ["Ingestion:Retention:RetryLogMaxAge"] = "-1.00:00:00",
            ["Ingestion:Retention:BatchSize"] = "0",
            ["Ingestion:Retention:Sources:finale:SupersededVersionsToKeep"] = "0",
        });

        var exception = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<RetentionOptions>>().Value);

        Assert.Contains("RetryLogMaxAge", exception.Message, StringComparison.Ordinal);
        Assert.Contains("BatchSize", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Sources:finale:SupersededVersionsToKeep", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_retention_job_applies_the_configured_rules_and_stores_what_it_removed_as_its_result()
    {
        var time = new FakeTimeProvider(T0);
        await using var provider = Build(new() { ["Ingestion:Retention:SupersededVersionsMaxAge"] = "30.00:00:00", ["Ingestion:Retention:SupersededVersionsToKeep"] = "1" }, time);
        var raw = provider.GetRequiredService<IRawStore>();
        for (var version = 1; version <= 4; version++)
        {
            var json = $$"""{"v":{{version}}}""";
            await raw.WriteBatchAsync(
                new RawBatch
                {
                    Stream = Items,
                    RunId = Guid.NewGuid(),
                    FetchedAt = T0.AddDays(version),
                    Records = [new RawRecordWrite { Key = "a", Payload = Encoding.UTF8.GetBytes(json), Hash = ContentHasher.Default.Compute(Encoding.UTF8.GetBytes(json)) }],
                },
                Cancel);
        }

        time.Advance(TimeSpan.FromDays(60));
        var handler = provider.GetServices<IJobHandler>().Single(h => h.JobType == IngestionJobTypes.Retention);

        var result = await handler.HandleAsync(
            new ClaimedJob
            {
                Id = 1, JobType = IngestionJobTypes.Retention, Payload = "{}", Attempt = 1, MaxAttempts = 1,
                LeaseToken = Guid.NewGuid(), LeaseExpiresAt = time.GetUtcNow().AddMinutes(5), EnqueuedAt = time.GetUtcNow(),
            },
            Cancel);

        using var document = JsonDocument.Parse(result!);
        Assert.Equal(2, document.RootElement.GetProperty("supersededVersions").GetInt64());
        Assert.False(document.RootElement.GetProperty("dryRun").GetBoolean());
        var history = new List<int>();
        await foreach (var record in raw.GetHistoryAsync(Items, "a", Cancel))
        {
            history.Add(record.Version);
        }

        Assert.Equal([3, 4], history.Order());
    }
}
