using Ingestion.Tests.Running;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Ingestion.Tests.Composition;

public sealed class CompositionTests
{
    private static StreamDefinition Stream(string name = "products") => new() { Name = name, Path = "v1/" + name, Records = new UnusedSelector() };

    private static SourceDefinition Catalog(params StreamDefinition[] streams) =>
        new() { Name = "catalog", BaseAddress = new Uri("https://api.example.com/"), Streams = streams.Length == 0 ? [Stream()] : streams };

    private static IHost BuildHost(Action<IIngestionBuilder> configure, IConfiguration? configuration = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        if (configuration is not null)
        {
            builder.Configuration.AddConfiguration(configuration);
        }

        var stores = new InTestStores();
        builder.Services.AddIngestion(ingestion =>
        {
            ingestion.Services.AddSingleton<IRawStore>(stores);
            ingestion.Services.AddSingleton<ISyncStateStore>(stores);
            ingestion.Services.AddSingleton<IRunLog>(stores);
            ingestion.Services.AddSingleton<IHealthStore>(stores);
            ingestion.Services.AddSingleton<IFetcher>(new ScriptedFetcher((f, r) => new ScriptedPage([])));
            configure(ingestion);
        });
        return builder.Build();
    }

    internal static async Task<string> StartupErrorAsync(Action<IIngestionBuilder> configure, IConfiguration? configuration = null)
    {
        using var host = BuildHost(configure, configuration);
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));
        return exception.Message;
    }

    public static TheoryData<string, string> InvalidDefinitions => new()
    {
        { "incremental-without-cursor", "Source 'catalog', stream 'products': Incremental.CursorField is required when Mode is Incremental" },
        { "relative-base-address", "Source 'catalog': BaseAddress 'v1/' must be an absolute http or https address" },
        { "duplicate-stream", "Source 'catalog', stream 'products': the stream name is used more than once" },
        { "unknown-parent", "Source 'catalog', stream 'variants': Parent.Stream 'prodcts' is not a stream of the source" },
        { "negative-max-pages", "Source 'catalog', stream 'products': Limits.MaxPages must be at least 1 (was -1)" },
        { "zero-concurrency", "Source 'catalog', stream 'products': MaxConcurrency must be at least 1 (was 0)" },
        { "ratio-above-one", "Source 'catalog', stream 'products': SnapshotGuard.MinimumRatio must be between 0 and 1 (was 1.5)" },
        { "negative-budget", "Source 'catalog': RateBudget.PerMinute must be at least 1 when set (was -5)" },
        { "unmapped-placeholder", "Source 'catalog', stream 'variants': the path placeholder '{sku}' has no entry in Parent.Placeholders" },
        { "parent-after-child", "Source 'catalog', stream 'variants': Parent.Stream 'products' must be listed before its child streams" },
    };

    [Theory]
    [MemberData(nameof(InvalidDefinitions))]
    public async Task An_invalid_definition_stops_the_host_with_a_message_naming_the_culprit(string problem, string expected)
    {
        var products = Stream();
        var variants = new StreamDefinition { Name = "variants", Path = "v1/products/{id}/variants", Records = new UnusedSelector(), Parent = new ParentLink { Stream = "products" } };
        var source = problem switch
        {
            "incremental-without-cursor" => Catalog(new StreamDefinition { Name = "products", Path = "v1/products", Records = new UnusedSelector(), Mode = SyncMode.Incremental }),
            "relative-base-address" => new SourceDefinition { Name = "catalog", BaseAddress = new Uri("v1/", UriKind.Relative), Streams = [products] },
            "duplicate-stream" => Catalog(products, Stream()),
            "unknown-parent" => Catalog(products, new StreamDefinition { Name = "variants", Path = "v1/x/{id}", Records = new UnusedSelector(), Parent = new ParentLink { Stream = "prodcts" } }),
            "negative-max-pages" => Catalog(new StreamDefinition { Name = "products", Path = "v1/products", Records = new UnusedSelector(), Limits = new PagingLimits { MaxPages = -1 } }),
            "zero-concurrency" => Catalog(new StreamDefinition { Name = "products", Path = "v1/products", Records = new UnusedSelector(), MaxConcurrency = 0 }),
            "ratio-above-one" => Catalog(new StreamDefinition { Name = "products", Path = "v1/products", Records = new UnusedSelector(), SnapshotGuard = new SnapshotGuardSettings { MinimumRatio = 1.5 } }),
            "negative-budget" => new SourceDefinition { Name = "catalog", BaseAddress = new Uri("https://api.example.com/"), RateBudget = new RateBudget { PerMinute = -5 }, Streams = [products] },
            "unmapped-placeholder" => Catalog(products, new StreamDefinition
            {
                Name = "variants",
                Path = "v1/products/{id}/variants/{sku}",
                Records = new UnusedSelector(),
                Parent = new ParentLink { Stream = "products", Placeholders = new Dictionary<string, string> { ["id"] = "$.id" } },
            }),
            "parent-after-child" => Catalog(variants, products),
            _ => throw new ArgumentOutOfRangeException(nameof(problem)),
        };

        var message = await StartupErrorAsync(ingestion => ingestion.AddSource(source));

        Assert.Contains(expected, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_problem_is_reported_at_once()
    {
        var message = await StartupErrorAsync(ingestion => ingestion
            .AddSource(Catalog(new StreamDefinition { Name = "products", Path = "p", Records = new UnusedSelector(), MaxConcurrency = 0, Limits = new PagingLimits { MaxRecords = 0 } }))
            .AddSource(new SourceDefinition { Name = "other", BaseAddress = new Uri("ftp://files.example.com/"), Streams = [Stream()] }));

        Assert.Contains("Source 'catalog', stream 'products': MaxConcurrency", message, StringComparison.Ordinal);
        Assert.Contains("Source 'catalog', stream 'products': Limits.MaxRecords", message, StringComparison.Ordinal);
        Assert.Contains("Source 'other': BaseAddress", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Duplicate_source_names_stop_the_host()
    {
        var message = await StartupErrorAsync(ingestion => ingestion.AddSource(Catalog()).AddSource(Catalog()));

        Assert.Contains("Source 'catalog' is registered more than once", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fluent_source_without_a_base_address_names_the_source()
    {
        var message = await StartupErrorAsync(ingestion => ingestion.AddRestSource("catalog", source => source
            .Stream("products", s => s.Get("v1/products").Records(new UnusedSelector()))));

        Assert.Contains("Source 'catalog': BaseAddress is required.", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_stores_are_named_at_start_up()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddIngestion(ingestion => ingestion.AddSource(Catalog()));
        using var host = builder.Build();

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("No IRawStore is registered: call UseInMemoryStores()", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_valid_host_starts_and_resolves_the_runner_and_catalog()
    {
        using var host = BuildHost(ingestion => ingestion.AddSource(Catalog()));

        await host.StartAsync(TestContext.Current.CancellationToken);

        Assert.NotNull(host.Services.GetRequiredService<ISyncRunner>());
        Assert.Equal(["catalog"], host.Services.GetRequiredService<ISourceCatalog>().Sources.Select(s => s.Name));
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task AddIngestion_twice_registers_the_engine_once_and_keeps_both_calls_additions()
    {
        using var host = BuildHost(ingestion => ingestion.Services.AddIngestion(second => second.AddSource(new SourceDefinition
        {
            Name = "second",
            BaseAddress = new Uri("https://second.example.com/"),
            Streams = [Stream()],
        })).AddIngestion(third => third.AddSource(Catalog())));

        await host.StartAsync(TestContext.Current.CancellationToken);

        var services = host.Services;
        Assert.Single(services.GetServices<ISyncRunner>());
        Assert.Single(services.GetServices<ISourceCatalog>());
        Assert.Single(services.GetServices<TimeProvider>());
        Assert.Equal(["second", "catalog"], services.GetRequiredService<ISourceCatalog>().Sources.Select(s => s.Name));
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public void The_fluent_builder_flattens_child_streams_after_their_parent()
    {
        var source = new RestSourceBuilder("catalog")
            .BaseAddress("https://api.example.com/v2")
            .RateLimit(perMinute: 60)
            .Header("Accept", "application/json")
            .Stream("products", s => s.Get("products").Records(new UnusedSelector()).Key("sku")
                .Incremental(cursorField: "updated_at", parameter: "updated_since", overlap: TimeSpan.FromMinutes(10))
                .IgnorePaths("fetchedAt")
                .Child("variants", c => c.Get("products/{sku}/variants").Records(new UnusedSelector()).Placeholder("sku", "$.sku").MaxConcurrency(8)))
            .Stream("brands", s => s.Get("brands").Records(new UnusedSelector()))
            .Build();

        Assert.Equal(new Uri("https://api.example.com/v2/"), source.BaseAddress);
        Assert.Equal(60, source.RateBudget!.PerMinute);
        Assert.Equal(["products", "variants", "brands"], source.Streams.Select(s => s.Name));
        var products = source.Streams[0];
        Assert.Equal(SyncMode.Incremental, products.Mode);
        Assert.Equal("updated_since", products.Incremental!.RequestParameter);
        Assert.Equal(TimeSpan.FromMinutes(10), products.Incremental.Overlap);
        Assert.Equal(["fetchedAt"], products.IgnoredPaths);
        var variants = source.Streams[1];
        Assert.Equal("products", variants.Parent!.Stream);
        Assert.Equal("$.sku", variants.Parent.Placeholders["sku"]);
        Assert.Equal(8, variants.MaxConcurrency);
    }
}
