using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Ingestion.Connectors.Employes;
using Ingestion.Samples;
using Ingestion.Samples.VendorSimulator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ingestion.Benchmarks.Connectors;

/// <summary>
/// A full Employes sync of 1,000 employees (11 pages of 100, then 1,000 employments requests) against the vendor simulator
/// with 20 ms added latency per request and no rate budget, against the same requests sent one after another by a plain
/// <see cref="HttpClient"/> loop, in the same run:
/// <c>dotnet run -c Release --project benchmarks/Ingestion.Benchmarks -- employes [rounds] [maxConcurrency] [memory|postgres]</c>.
/// The in-memory stores (the default) measure the fetching; <c>postgres</c> adds the PostgreSQL store's writes.
/// Target: the sync takes at most 1/8 of the sequential time. A console run: each figure is one long sync, which
/// BenchmarkDotNet's iteration model does not fit.
/// </summary>
internal static class EmployesSyncBenchmarks
{
    private const int Employees = 1_000;
    private const int PerPage = 100;
    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(20);

    public static async Task<int> RunAsync(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2;
        var concurrency = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 32;
        var inMemory = args.Length <= 2 || args[2] != "postgres";

        await using var sim = await VendorSimulator.StartAsync(new SimulatorOptions { EmployeeCount = Employees, PeopleCount = 0, PurchaseOrderCount = 0, Latency = Latency });
        await using var server = await LocalPostgresServer.StartWithoutContainerAsync();
        var database = await server.CreateDatabaseAsync("bench_employes");
        Console.WriteLine($"Employes simulator: {Employees:N0} employees, {Latency.TotalMilliseconds} ms added latency per request, no rate limit.");
        Console.WriteLine(inMemory ? "Store: in memory." : $"Store: PostgreSQL ({server.Description}), same machine.");
        Console.WriteLine($"Client: .NET {Environment.Version}, {Environment.ProcessorCount} cores.");
        Console.WriteLine($"Sync: MaxConcurrency {concurrency} for employments; {rounds} measured rounds each, interleaved, best kept.");

        // One source per round (plus a warm-up), so every measured sync is a first, full sync that stores every record.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Services.AddIngestion(ingestion =>
        {
            if (inMemory)
            {
                ingestion.UseInMemoryStores();
            }
            else
            {
                ingestion.UsePostgres(database);
            }

            for (var round = 0; round <= rounds; round++)
            {
                ingestion.AddEmployes(SourceName(round), options =>
                {
                    options.BaseAddress = sim.EmployesBaseAddress.ToString();
                    options.BearerToken = sim.Options.EmployesToken;
                    options.CompanyId = sim.Options.EmployesCompanyId.ToString();
                    options.PerPage = PerPage;
                    options.RequestsPerSecond = 0;
                    options.MaxConcurrency = concurrency;
                });
            }
        });
        using var host = builder.Build();
        await host.StartAsync();
        var runner = host.Services.GetRequiredService<ISyncRunner>();
        using var client = new HttpClient { BaseAddress = sim.EmployesBaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", sim.Options.EmployesToken);

        // Warm-up: JIT, connections, plans.
        await SyncAsync(runner, SourceName(0));
        await SequentialAsync(client, sim.Options.EmployesCompanyId, limit: 50);

        var best = (Sync: TimeSpan.MaxValue, Sequential: TimeSpan.MaxValue);
        var requests = 0;
        for (var round = 1; round <= rounds; round++)
        {
            sim.Requests.Clear();
            var (sync, stored) = await SyncAsync(runner, SourceName(round));
            requests = sim.RequestCount(Vendor.Employes);
            var (sequential, sent) = await SequentialAsync(client, sim.Options.EmployesCompanyId, limit: int.MaxValue);
            if (sent != requests)
            {
                throw new InvalidOperationException($"The sequential loop sent {sent} requests, the sync {requests}.");
            }

            Console.WriteLine($"round {round}: sync {sync.TotalSeconds:0.000} s ({stored:N0} records stored, {requests:N0} requests, {sim.Requests.MaxConcurrency(Vendor.Employes)} at once at most); sequential {sequential.TotalSeconds:0.000} s");
            best = (Min(best.Sync, sync), Min(best.Sequential, sequential));
        }

        var ratio = best.Sync / best.Sequential;
        Console.WriteLine();
        Console.WriteLine($"best sync {best.Sync.TotalSeconds:0.000} s, best sequential {best.Sequential.TotalSeconds:0.000} s ({requests:N0} requests each)");
        Console.WriteLine($"ratio sync/sequential = {ratio:0.000} (1/{1 / ratio:0.0}); target <= 0.125: {(ratio <= 0.125 ? "met" : "NOT met")}");
        await host.StopAsync();
        return ratio <= 0.125 ? 0 : 1;
    }

    private static string SourceName(int round) => "employes-bench-" + round.ToString(CultureInfo.InvariantCulture);

    private static async Task<(TimeSpan Elapsed, long Stored)> SyncAsync(ISyncRunner runner, string source)
    {
        var started = Stopwatch.GetTimestamp();
        var reports = await runner.SyncSourceAsync(source, options: null, CancellationToken.None);
        var elapsed = Stopwatch.GetElapsedTime(started);
        foreach (var report in reports)
        {
            if (report.Status != RunStatus.Succeeded)
            {
                throw new InvalidOperationException($"{report.Stream} ended {report.Status}: {string.Join("; ", report.Issues.Select(i => i.Message))}");
            }
        }

        return (elapsed, reports.Sum(r => r.RecordsNew + r.RecordsChanged + r.RecordsUnchanged));
    }

    // The same requests, one after another: every employees page, then each employee's employments.
    private static async Task<(TimeSpan Elapsed, int Requests)> SequentialAsync(HttpClient client, Guid company, int limit)
    {
        var started = Stopwatch.GetTimestamp();
        var requests = 0;
        var ids = new List<string>();
        for (int page = 1, pages = 1; page <= pages; page++)
        {
            using var document = JsonDocument.Parse(await GetAsync(client, $"{company}/employees?page={page}&per_page={PerPage}"));
            requests++;
            pages = document.RootElement.GetProperty("pages").GetInt32();
            ids.AddRange(document.RootElement.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("id").GetString()!));
        }

        foreach (var id in ids.Take(limit))
        {
            using var document = JsonDocument.Parse(await GetAsync(client, $"{company}/employees/{id}/employments"));
            requests++;
        }

        return (Stopwatch.GetElapsedTime(started), requests);
    }

    private static async Task<byte[]> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsByteArrayAsync();
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
