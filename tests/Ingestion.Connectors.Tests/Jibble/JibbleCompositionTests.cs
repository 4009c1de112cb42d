using Ingestion.Connectors.Jibble;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Ingestion.Connectors.Tests.Jibble;

public sealed class JibbleCompositionTests
{
    [Fact]
    public void Invalid_options_fail_at_start_up_naming_each_configuration_key()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Vendors:Jibble:ClientId"] = " ",
            ["Vendors:Jibble:PageSize"] = "5000",
            ["Vendors:Jibble:WorkspaceAddress"] = "workspace.local/v1",
            ["Vendors:Jibble:Backfill:From"] = "2026-06-10",
            ["Vendors:Jibble:Backfill:To"] = "2026-06-01",
            ["Vendors:Jibble:GroupFilter:0"] = "kitchen",
            ["Vendors:Jibble:LastHours"] = "0",
        }).Build();
        using var provider = Build(ingestion => ingestion.AddJibble(config.GetSection("Vendors:Jibble")));

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptionsMonitor<JibbleOptions>>().Get("jibble"));

        Assert.Contains("Vendors:Jibble:ClientId is required", error.Message, StringComparison.Ordinal);
        Assert.Contains("Vendors:Jibble:ClientSecret is required", error.Message, StringComparison.Ordinal);
        Assert.Contains("Vendors:Jibble:PageSize must be between 1 and 1000", error.Message, StringComparison.Ordinal);
        Assert.Contains("Vendors:Jibble:WorkspaceAddress must be an absolute http or https address", error.Message, StringComparison.Ordinal);
        Assert.Contains("Vendors:Jibble:Backfill:To (2026-06-01) must not be before Backfill:From", error.Message, StringComparison.Ordinal);
        Assert.Contains("Vendors:Jibble:GroupFilter:0 must be a Jibble group id", error.Message, StringComparison.Ordinal);
        Assert.Contains("Vendors:Jibble:LastHours must be at least 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_accounts_are_two_sources_with_their_own_options_and_derivers()
    {
        using var provider = Build(ingestion => ingestion
            .AddJibble(o => Valid(o, "https://eu.example/v1/"))
            .AddJibble("jibble-us", o => Valid(o, "https://us.example/v1/")));

        var catalog = provider.GetRequiredService<ISourceCatalog>();
        Assert.Equal(new Uri("https://eu.example/v1/"), catalog.Find("jibble")!.BaseAddress);
        Assert.Equal(new Uri("https://us.example/v1/"), catalog.Find("jibble-us")!.BaseAddress);
        Assert.Equal([JibbleStreams.People, JibbleStreams.Groups, JibbleStreams.TimeEntries], catalog.Find("jibble-us")!.Streams.Select(s => s.Name));
        Assert.Equal(
            ["jibble-us.work-sessions", "jibble.work-sessions"],
            provider.GetServices<IDeriver>().Select(d => d.Name).Order(StringComparer.Ordinal));
        Assert.Equal(SyncMode.Incremental, catalog.Find("jibble")!.FindStream(JibbleStreams.TimeEntries)!.Mode);
        Assert.Equal(TimeSpan.FromDays(2), catalog.Find("jibble")!.FindStream(JibbleStreams.TimeEntries)!.Incremental!.Overlap);
    }

    [Fact]
    public void Defaults_point_at_jibbles_production_hosts()
    {
        var options = new JibbleOptions();

        Assert.Equal("https://identity.prod.jibble.io/connect/token", options.TokenEndpoint.AbsoluteUri);
        Assert.Equal("https://workspace.prod.jibble.io/v1/", options.WorkspaceAddress.AbsoluteUri);
        Assert.Equal("https://time-tracking.prod.jibble.io/v1/", options.TimeTrackingAddress.AbsoluteUri);
        Assert.Equal(1000, options.PageSize);
    }

    private static void Valid(JibbleOptions options, string workspace)
    {
        options.ClientId = "id";
        options.ClientSecret = "secret";
        options.WorkspaceAddress = new Uri(workspace);
    }

    private static ServiceProvider Build(Action<IIngestionBuilder> configure)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddIngestion(ingestion =>
        {
            ingestion.UseInMemoryStores();
            configure(ingestion);
        });
        return services.BuildServiceProvider();
    }
}
