using Ingestion.Connectors.Employes;
using Ingestion.Connectors.Finale;
using Ingestion.Connectors.Jibble;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Ingestion.Connectors.Tests.Support;

/// <summary>Every connector takes its timeouts and retries from one <c>Resilience</c> section of the same shape.</summary>
public sealed class ResilienceSectionTests
{
    private static readonly Dictionary<string, Dictionary<string, string?>> Required = new()
    {
        ["Employes"] = new() { ["BearerToken"] = "a.b.c", ["CompanyId"] = "6f1f3c5e-2f43-4c55-9f0e-1a2b3c4d5e6f" },
        ["Jibble"] = new() { ["ClientId"] = "client", ["ClientSecret"] = "secret" },
        ["Finale"] = new() { ["AccountPath"] = "acme", ["ApiKey"] = "key", ["ApiSecret"] = "secret" },
    };

    private static HostApplicationBuilder Builder(string connector, Dictionary<string, string?> resilience)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var settings = Required[connector].ToDictionary(pair => $"Ingestion:{connector}:{pair.Key}", pair => pair.Value);
        foreach (var (key, value) in resilience)
        {
            settings[$"Ingestion:{connector}:Resilience:{key}"] = value;
        }

        builder.Configuration.AddInMemoryCollection(settings);
        var section = builder.Configuration.GetSection($"Ingestion:{connector}");
        builder.Services.AddIngestion(ingestion =>
        {
            ingestion.UseInMemoryStores();
            _ = connector switch
            {
                "Employes" => ingestion.AddEmployes("vendor", section),
                "Jibble" => ingestion.AddJibble("vendor", section),
                _ => ingestion.AddFinale("vendor", section),
            };
        });
        return builder;
    }

    [Theory]
    [InlineData("Employes", 15, 3)]
    [InlineData("Jibble", 30, 4)]
    [InlineData("Finale", 30, 3)]
    public async Task The_resilience_section_binds_and_unset_keys_keep_the_connectors_defaults(string connector, int defaultTimeoutSeconds, int defaultRetries)
    {
        using (var defaults = Builder(connector, []).Build())
        {
            var resilience = defaults.Services.GetRequiredService<ISourceCatalog>().Find("vendor")!.Resilience;
            Assert.Equal(TimeSpan.FromSeconds(defaultTimeoutSeconds), resilience.AttemptTimeout);
            Assert.Equal(defaultRetries, resilience.MaxRetries);
            Assert.Null(resilience.TotalTimeout);
        }

        using var host = Builder(connector, new()
        {
            ["MaxRetries"] = "1",
            ["TotalTimeout"] = "00:02:00",
            ["BaseDelay"] = "00:00:02",
            ["CircuitBreakerEnabled"] = "false",
        }).Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        var configured = host.Services.GetRequiredService<ISourceCatalog>().Find("vendor")!.Resilience;
        await host.StopAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, configured.MaxRetries);
        Assert.Equal(TimeSpan.FromMinutes(2), configured.TotalTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), configured.BaseDelay);
        Assert.False(configured.CircuitBreakerEnabled);
        Assert.Equal(TimeSpan.FromSeconds(defaultTimeoutSeconds), configured.AttemptTimeout);
    }

    [Theory]
    [InlineData("Employes")]
    [InlineData("Jibble")]
    [InlineData("Finale")]
    public async Task A_bad_resilience_value_stops_start_up_naming_its_full_key(string connector)
    {
        using var host = Builder(connector, new() { ["AttemptTimeout"] = "00:00:00", ["MaxRetries"] = "-1" }).Build();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync(TestContext.Current.CancellationToken));

        var failures = error is AggregateException aggregate ? aggregate.InnerExceptions : [error];
        Assert.Contains(failures, failure => failure is OptionsValidationException);
        var message = string.Join("\n", failures.Select(failure => failure.Message));
        Assert.Contains($"Ingestion:{connector}:Resilience:AttemptTimeout must be between 10 ms and 1 day", message, StringComparison.Ordinal);
        Assert.Contains($"Ingestion:{connector}:Resilience:MaxRetries must not be negative (was -1)", message, StringComparison.Ordinal);
    }
}
