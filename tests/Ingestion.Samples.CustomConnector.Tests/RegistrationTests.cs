using Ingestion;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Acme.Books.Ingestion.Tests;

/// <summary>Registration through <c>AddConnector</c>: strict binding, and an account registered twice is one account.</summary>
public sealed class RegistrationTests
{
    private static IConfiguration Configuration(Dictionary<string, string?> settings) => new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

    [Fact]
    public void A_misspelt_key_stops_the_host_naming_the_key_and_its_section()
    {
        var configuration = Configuration(new()
        {
            ["Ingestion:AcmeBooks:ApiKey"] = "key",
            ["Ingestion:AcmeBooks:BaseAddress"] = "https://books.example/",
            ["Ingestion:AcmeBooks:PageSzie"] = "20",
        });
        var services = new ServiceCollection();
        services.AddIngestion(ingestion => ingestion.UseInMemoryStores().AddAcmeBooks(configuration.GetSection("Ingestion:AcmeBooks")));
        using var provider = services.BuildServiceProvider();

        var exception = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptionsMonitor<AcmeBooksOptions>>().Get(AcmeBooksOptions.DefaultName));

        var failure = Assert.Single(exception.Failures);
        Assert.Contains("Ingestion:AcmeBooks", failure, StringComparison.Ordinal);
        Assert.Contains("PageSzie", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Registering_an_account_twice_gives_one_source_and_one_deriver_and_two_accounts_stay_apart()
    {
        var configuration = Configuration(new()
        {
            ["Ingestion:AcmeBooks:ApiKey"] = "key",
            ["Ingestion:AcmeBooks:BaseAddress"] = "https://books.example/",
            ["Ingestion:Other:ApiKey"] = "other",
            ["Ingestion:Other:BaseAddress"] = "https://other.example/",
            ["Ingestion:Other:PageSize"] = "20",
        });
        var services = new ServiceCollection();
        services.AddIngestion(ingestion => ingestion
            .UseInMemoryStores()
            .AddAcmeBooks(configuration.GetSection("Ingestion:AcmeBooks"))
            .AddAcmeBooks(configuration.GetSection("Ingestion:AcmeBooks"))
            .AddAcmeBooks("acme-other", configuration.GetSection("Ingestion:Other")));
        using var provider = services.BuildServiceProvider();

        Assert.Equal(["acme-books", "acme-other"], provider.GetServices<SourceRegistration>().Select(source => source.Name).Order(StringComparer.Ordinal));
        Assert.Equal(2, provider.GetServices<IDeriver>().Count());
        var monitor = provider.GetRequiredService<IOptionsMonitor<AcmeBooksOptions>>();
        Assert.Equal((50, 20), (monitor.Get(AcmeBooksOptions.DefaultName).PageSize, monitor.Get("acme-other").PageSize));
    }
}
