using Ingestion.Connectors.Employes;
using Ingestion.Connectors.Finale;
using Ingestion.Connectors.Jibble;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Ingestion.Connectors.Tests.Registration;

/// <summary>Every connector registers through AddConnector: strict binding, one source per account however often it is added.</summary>
public sealed class ConnectorRegistrationTests
{
    private static readonly Dictionary<string, string?> Valid = new()
    {
        ["Ingestion:Employes:BearerToken"] = "token",
        ["Ingestion:Employes:CompanyId"] = "7d1a3c1e-5a7b-4f6e-9a43-0c2a9d4b8e11",
        ["Ingestion:Jibble:ClientId"] = "client",
        ["Ingestion:Jibble:ClientSecret"] = "secret",
        ["Ingestion:Finale:AccountPath"] = "acme",
        ["Ingestion:Finale:ApiKey"] = "key",
        ["Ingestion:Finale:ApiSecret"] = "secret",
    };

    public static TheoryData<string, string> MisspeltKeys => new()
    {
        { "Employes", "PerPge" },
        { "Jibble", "Resilience:MaxRetires" },
        { "Finale", "WindowSzie" },
    };

    private static ServiceProvider Build(Dictionary<string, string?> settings, Action<IIngestionBuilder, IConfiguration> register)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddIngestion(ingestion => register(ingestion.UseInMemoryStores(), configuration));
        return services.BuildServiceProvider();
    }

    private static void Add(string vendor, IIngestionBuilder ingestion, IConfiguration configuration)
    {
        var section = configuration.GetSection("Ingestion:" + vendor);
        _ = vendor switch
        {
            "Employes" => ingestion.AddEmployes(section),
            "Jibble" => ingestion.AddJibble(section),
            _ => ingestion.AddFinale(section),
        };
    }

    private static object Options(ServiceProvider provider, string vendor) => vendor switch
    {
        "Employes" => provider.GetRequiredService<IOptionsMonitor<EmployesOptions>>().Get("employes"),
        "Jibble" => provider.GetRequiredService<IOptionsMonitor<JibbleOptions>>().Get("jibble"),
        _ => provider.GetRequiredService<IOptionsMonitor<FinaleOptions>>().Get("finale"),
    };

    [Theory]
    [MemberData(nameof(MisspeltKeys))]
    public void A_misspelt_key_stops_the_host_naming_the_key_and_its_section(string vendor, string misspelt)
    {
        var settings = new Dictionary<string, string?>(Valid) { [$"Ingestion:{vendor}:{misspelt}"] = "3" };
        using var provider = Build(settings, (ingestion, configuration) => Add(vendor, ingestion, configuration));

        var exception = Assert.Throws<OptionsValidationException>(() => Options(provider, vendor));

        var failure = Assert.Single(exception.Failures);
        Assert.Contains($"Ingestion:{vendor}", failure, StringComparison.Ordinal);
        Assert.Contains(misspelt.Split(':')[^1], failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Employes")]
    [InlineData("Jibble")]
    [InlineData("Finale")]
    public void Registering_an_account_twice_gives_one_source_and_one_deriver(string vendor)
    {
        using var provider = Build(Valid, (ingestion, configuration) =>
        {
            Add(vendor, ingestion, configuration);
            Add(vendor, ingestion, configuration);
        });

        Assert.Single(provider.GetServices<SourceRegistration>());
        Assert.Single(provider.GetServices<IDeriver>());
        Assert.NotNull(Options(provider, vendor));
    }
}
