using static Ingestion.Samples.VendorSimulator.Tests.TestSupport;

namespace Ingestion.Samples.VendorSimulator.Tests;

public sealed class DeterminismTests
{
    private static async Task<string[]> FetchAllAsync(VendorSimulator sim)
    {
        using var client = sim.Client();
        var token = await sim.JibbleTokenAsync(client);
        var results = new List<string>();
        foreach (var request in new[]
        {
            sim.Employes($"{sim.EmployeesPath()}?page=2&per_page=100"),
            sim.Employes($"{sim.EmployeesPath()}/{sim.Data.EmployeeIds[17]}/employments"),
            Jibble(sim.TimeEntries("$filter=belongsToDate ge 2026-06-10 and belongsToDate le 2026-06-12&$top=1000"), token),
            Jibble(new Uri(sim.JibbleWorkspaceAddress, "People"), token),
            sim.Finale("order/?filter=" + Window(new DateTime(2026, 4, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2026, 4, 30, 0, 0, 0, DateTimeKind.Utc))),
            sim.Finale("product/"),
            sim.FinaleReport("order"),
        })
        {
            using (request)
            using (var response = await client.SendAsync(request, Ct))
            {
                results.Add((await response.Content.ReadAsStringAsync(Ct)).Replace(sim.BaseAddress.Authority, "host", StringComparison.Ordinal));
            }
        }

        return [.. results];
    }

    [Fact]
    public async Task Same_seed_gives_the_same_responses_and_another_seed_does_not()
    {
        await using var a = await VendorSimulator.StartAsync(new SimulatorOptions { Seed = 7 }, Ct);
        await using var b = await VendorSimulator.StartAsync(new SimulatorOptions { Seed = 7 }, Ct);
        await using var c = await VendorSimulator.StartAsync(new SimulatorOptions { Seed = 8 }, Ct);

        var first = await FetchAllAsync(a);
        var second = await FetchAllAsync(b);
        var other = await FetchAllAsync(c);

        Assert.Equal(first, second);
        Assert.All(first.Zip(other), pair => Assert.NotEqual(pair.First, pair.Second));
    }

    [Fact]
    public void Default_sized_data_has_the_documented_sizes()
    {
        // How fast it is generated is measured by benchmarks/Ingestion.Benchmarks (SimulatorDataBenchmarks), not here.
        var state = new SimulatorState(new SimulatorOptions { Seed = 2 });

        Assert.Equal(500, state.Data.EmployeeIds.Count);
        Assert.Equal(200, state.Data.PersonIds.Count);
        Assert.Equal(2000, state.Data.OrderIds.Count);
        Assert.True(state.Data.TimeEntryCount > 5000, $"{state.Data.TimeEntryCount} time entries");
    }

    [Fact]
    public async Task Simulator_can_be_mapped_into_an_existing_application()
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
        Microsoft.AspNetCore.Hosting.WebHostBuilderKestrelExtensions.UseKestrel(builder.WebHost, k => k.Listen(System.Net.IPAddress.Loopback, 0));
        await using var app = builder.Build();
        var state = new SimulatorState(Small());
        app.MapVendorSimulator(state);
        await app.StartAsync(Ct);
        var addresses = VendorSimulatorEndpoints.AddressesFor(new Uri(app.Urls.First()), state.Options);

        using var client = new HttpClient();
        using var response = await client.GetAsync(new Uri(addresses.Employes, $"{state.Options.EmployesCompanyId}/employees"), Ct);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(1, state.Requests.Count(Vendor.Employes));
        await app.StopAsync(Ct);
    }
}
