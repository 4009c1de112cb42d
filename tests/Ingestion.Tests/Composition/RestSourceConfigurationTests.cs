using Microsoft.Extensions.Configuration;

namespace Ingestion.Tests.Composition;

public sealed class RestSourceConfigurationTests
{
    [Fact]
    public async Task A_configured_source_with_an_unknown_paginator_kind_names_the_configuration_path()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Ingestion:Sources:catalog:BaseAddress"] = "https://api.example.com/",
            ["Ingestion:Sources:catalog:Streams:products:Path"] = "v1/products",
            ["Ingestion:Sources:catalog:Streams:products:Paginator:Kind"] = "cursr",
        }).Build();

        var message = await CompositionTests.StartupErrorAsync(ingestion => ingestion.AddRestSources(configuration.GetSection("Ingestion:Sources")));

        Assert.Contains("Ingestion:Sources:catalog:Streams:products:Paginator:Kind: unknown kind 'cursr'; expected one of", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_configured_source_reports_every_bad_value_with_its_path()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sources:catalog:BaseAddress"] = "api.example.com",
            ["Sources:catalog:RateLimit:PerMinute"] = "lots",
            ["Sources:catalog:Streams:products:Path"] = "v1/products",
            ["Sources:catalog:Streams:products:Mode"] = "Incremental",
            ["Sources:catalog:Streams:products:Pagniator:Kind"] = "none",
            ["Sources:catalog:Streams:orders:Mode"] = "Snapshot",
        }).Build();

        var message = await CompositionTests.StartupErrorAsync(ingestion => ingestion.AddRestSource("catalog", configuration.GetSection("Sources:catalog")));

        Assert.Contains("Sources:catalog:BaseAddress: 'api.example.com' must be an absolute http or https address", message, StringComparison.Ordinal);
        Assert.Contains("Sources:catalog:RateLimit:PerMinute: 'lots' is not a whole number", message, StringComparison.Ordinal);
        Assert.Contains("Sources:catalog:Streams:products:Incremental:CursorField: is required when Mode is Incremental", message, StringComparison.Ordinal);
        Assert.Contains("Sources:catalog:Streams:products:Pagniator: unknown setting 'Pagniator'", message, StringComparison.Ordinal);
        Assert.Contains("Sources:catalog:Streams:orders:Path: is required", message, StringComparison.Ordinal);
    }
}
