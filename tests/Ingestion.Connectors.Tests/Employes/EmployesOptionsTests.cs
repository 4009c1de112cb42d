using Ingestion.Connectors.Employes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Ingestion.Connectors.Tests.Employes;

public sealed class EmployesOptionsTests
{
    // Both the options and the source catalog fail validation, so start-up may report them together.
    private static async Task<string> StartFailsAsync(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddIngestion(ingestion => ingestion
            .UseInMemoryStores()
            .AddEmployes("payroll", builder.Configuration.GetSection("Ingestion:Employes")));
        using var host = builder.Build();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync(TestContext.Current.CancellationToken));
        var failures = error is AggregateException aggregate ? aggregate.InnerExceptions : [error];
        Assert.All(failures, failure => Assert.IsType<OptionsValidationException>(failure));
        return string.Join("\n", failures.Select(failure => failure.Message));
    }

    [Fact]
    public async Task A_missing_token_and_company_id_stop_start_up_naming_the_configuration_keys()
    {
        var error = await StartFailsAsync(new() { ["Ingestion:Employes:PerPage"] = "50" });

        Assert.Contains("Ingestion:Employes:BearerToken is required", error, StringComparison.Ordinal);
        Assert.Contains("Ingestion:Employes:CompanyId is required", error, StringComparison.Ordinal);
        Assert.Contains("'payroll'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_values_are_named_with_their_values_and_the_token_is_never_echoed()
    {
        var error = await StartFailsAsync(new()
        {
            ["Ingestion:Employes:BearerToken"] = "Bearer secret-token-value",
            ["Ingestion:Employes:CompanyId"] = "not-a-guid",
            ["Ingestion:Employes:PerPage"] = "500",
            ["Ingestion:Employes:MaxConcurrency"] = "0",
        });

        Assert.Contains("Ingestion:Employes:BearerToken must be the token alone", error, StringComparison.Ordinal);
        Assert.Contains("Ingestion:Employes:CompanyId must be a GUID (was 'not-a-guid')", error, StringComparison.Ordinal);
        Assert.Contains("Ingestion:Employes:PerPage must be between 1 and 100 (was 500)", error, StringComparison.Ordinal);
        Assert.Contains("Ingestion:Employes:MaxConcurrency", error, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-token-value", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_named_accounts_get_two_sources_sharing_nothing_but_the_defaults()
    {
        var services = new ServiceCollection();
        services.AddIngestion(ingestion => ingestion
            .UseInMemoryStores()
            .AddEmployes("employes-a", o => { o.BearerToken = "a.b.c"; o.CompanyId = Guid.NewGuid().ToString(); })
            .AddEmployes("employes-b", o => { o.BearerToken = "d.e.f"; o.CompanyId = Guid.NewGuid().ToString(); o.RequestsPerSecond = 2; }));
        await using var provider = services.BuildServiceProvider();

        var catalog = provider.GetRequiredService<ISourceCatalog>();
        var a = catalog.Find("employes-a")!;
        var b = catalog.Find("employes-b")!;
        Assert.Equal(new Uri(EmployesOptions.DefaultBaseAddress), a.BaseAddress);
        Assert.Equal(5, a.RateBudget!.PerSecond); // the vendor's documented limit, shared by both streams of the source
        Assert.Equal(2, b.RateBudget!.PerSecond);
        Assert.Equal([EmployesStreams.Employees, EmployesStreams.Employments], a.Streams.Select(s => s.Name));
        Assert.Equal(EmployesStreams.Employees, a.FindStream(EmployesStreams.Employments)!.Parent!.Stream);
        Assert.Equal(["employes-a.timeline", "employes-b.timeline"], provider.GetServices<IDeriver>().Select(d => d.Name).Order(StringComparer.Ordinal));
    }
}
