using Ingestion;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Acme.Books.Ingestion.Tests.Support;

/// <summary>
/// A started host composed the way the guide teaches: <c>AddIngestion(i => i.UsePostgres(...).AddAcmeBooks(section))</c>,
/// with the account's settings in configuration under <c>Ingestion:AcmeBooks</c>.
/// </summary>
public sealed class AcmeHost : IAsyncDisposable
{
    private readonly IHost _host;

    private AcmeHost(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public ISyncRunner Runner => Services.GetRequiredService<ISyncRunner>();

    public IRawStore RawStore => Services.GetRequiredService<IRawStore>();

    public IDerivedStore DerivedStore => Services.GetRequiredService<IDerivedStore>();

    /// <summary>Builds and starts the host; a bad setting makes <see cref="IHost.StartAsync"/> throw.</summary>
    public static async Task<AcmeHost> StartAsync(string connectionString, IDictionary<string, string?> settings, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddIngestion(ingestion => ingestion
            .UsePostgres(connectionString)
            .AddAcmeBooks(builder.Configuration.GetSection("Ingestion:AcmeBooks")));
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new AcmeHost(host);
    }

    /// <summary>The settings of an account on <paramref name="api"/>.</summary>
    public static Dictionary<string, string?> Settings(FakeAcmeBooksApi api, string? apiKey = FakeAcmeBooksApi.ApiKey) => new()
    {
        ["Ingestion:AcmeBooks:BaseAddress"] = api.BaseAddress.AbsoluteUri,
        ["Ingestion:AcmeBooks:ApiKey"] = apiKey,
        ["Ingestion:AcmeBooks:PageSize"] = "2",
    };

    /// <summary>
    /// Derives what the reports changed, the way the engine's derive step does: each changed record is mapped to the input key
    /// it affects, and each affected key's output is derived and replaces the previous output.
    /// </summary>
    /// <returns>The input keys derived.</returns>
    public async Task<IReadOnlyList<string>> DeriveAsync(IReadOnlyList<SyncReport> reports, CancellationToken cancellationToken)
    {
        var deriver = Services.GetServices<IDeriver>().OfType<BookRatingsDeriver>().Single();
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var report in reports.Where(r => deriver.Inputs.Contains(r.Stream)))
        {
            foreach (var changed in report.ChangedKeys)
            {
                var record = await RawStore.GetLatestAsync(report.Stream, changed, cancellationToken);
                if (record is not null && deriver.GetInputKey(report.Stream, changed, record.Payload) is { } inputKey)
                {
                    keys.Add(inputKey);
                }
            }
        }

        var context = new DerivationContext { RawStore = RawStore, TimeProvider = TimeProvider.System };
        foreach (var key in keys)
        {
            var output = await deriver.DeriveAsync(key, context, cancellationToken);
            await DerivedStore.ReplaceAsync(deriver.Name, deriver.Version, key, output, cancellationToken);
        }

        return [.. keys];
    }

    public async Task<List<RawRecord>> LatestAsync(string stream, CancellationToken cancellationToken)
    {
        var records = new List<RawRecord>();
        await foreach (var record in RawStore.QueryLatestAsync(new StreamId(AcmeBooksOptions.DefaultName, stream), query: null, cancellationToken))
        {
            records.Add(record);
        }

        return records;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
