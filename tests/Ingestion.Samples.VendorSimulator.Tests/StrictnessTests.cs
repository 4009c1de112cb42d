using System.Net;
using Microsoft.Extensions.Time.Testing;
using static Ingestion.Samples.VendorSimulator.Tests.TestSupport;

namespace Ingestion.Samples.VendorSimulator.Tests;

/// <summary>Where the simulator is as strict as the real APIs are, or may be.</summary>
public sealed class StrictnessTests
{
    [Fact]
    public async Task Jibble_refuses_a_filter_over_the_node_limit_with_400_and_a_request_over_the_length_limit_with_414()
    {
        await using var sim = await VendorSimulator.StartAsync(Small(o => o.JibbleMaxRequestTargetLength = 3000), Ct);
        using var client = sim.Client();
        var token = await sim.JibbleTokenAsync(client);
        string People(int count) => string.Join(" or ", Enumerable.Range(0, count).Select(i => $"personId eq {new Guid(i, 0, 0, new byte[8]):D}"));

        var (fits, _) = await client.SendJsonAsync(Jibble(sim.TimeEntries($"$filter=belongsToDate ge 2026-06-01 and belongsToDate le 2026-06-30 and ({People(20)})"), token));
        var (nodes, _) = await client.SendJsonAsync(Jibble(sim.TimeEntries($"$filter=belongsToDate ge 2026-06-01 and ({People(34)})"), token));
        using var tooLong = await client.SendAsync(Jibble(sim.TimeEntries($"$filter=belongsToDate ge 2026-06-01 and ({People(70)})"), token), Ct);

        Assert.Equal(HttpStatusCode.OK, fits.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, nodes.StatusCode);
        Assert.Equal(HttpStatusCode.RequestUriTooLong, tooLong.StatusCode);
    }

    [Fact]
    public async Task Finale_refuses_an_open_upper_bound_unless_allowed_and_counts_collection_requests_per_hour()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 7, 1, 0, 0, 0, TimeSpan.Zero));
        await using var sim = await VendorSimulator.StartAsync(Small(o =>
        {
            o.TimeProvider = clock;
            o.EnforceRateLimits = true;
            o.FinaleCollectionRequestsPerHour = 2;
        }), Ct);
        using var client = sim.Client();
        var open = "order/?filter=" + Filter(new Dictionary<string, string?[]> { ["lastUpdatedDate"] = ["2026-06-20T00:00:00", null] });

        using var refused = await client.SendAsync(sim.Finale(open), Ct);
        using var second = await client.SendAsync(sim.Finale("product/"), Ct);
        using var third = await client.SendAsync(sim.Finale("facility/"), Ct);
        using var single = await client.SendAsync(sim.Finale("order/" + Uri.EscapeDataString(sim.Data.PurchaseOrderIds[0])), Ct);
        clock.Advance(TimeSpan.FromHours(1));
        sim.Options.FinaleRequireUpperBound = false;
        using var allowed = await client.SendAsync(sim.Finale(open), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Equal(HttpStatusCode.OK, single.StatusCode); // a single resource is not a collection request
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Fact]
    public async Task Finale_order_urls_can_use_slugs_that_differ_from_order_ids()
    {
        await using var sim = await VendorSimulator.StartAsync(Small(o => o.FinaleOrderUrlSlugs = true), Ct);
        using var client = sim.Client();

        var (collection, json) = await client.SendJsonAsync(sim.Finale("order/?filter=" + Window(new DateTime(2026, 6, 1), new DateTime(2026, 7, 1))));
        Assert.Equal(HttpStatusCode.OK, collection.StatusCode);
        var row = Rows(json.RootElement)[0];
        var orderId = row["orderId"].GetString()!;
        var url = row["orderUrl"].GetString()!;
        using var byUrl = await client.SendAsync(sim.Finale("order/" + url[(url.LastIndexOf('/') + 1)..]), Ct);
        using var byId = await client.SendAsync(sim.Finale("order/" + Uri.EscapeDataString(orderId)), Ct);

        Assert.DoesNotContain(orderId, url, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, byUrl.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, byId.StatusCode);
    }

    [Fact]
    public async Task Employes_can_answer_404_or_an_empty_body_for_an_existing_employees_employments()
    {
        await using var sim = await VendorSimulator.StartAsync(Small(), Ct);
        using var client = sim.Client();
        var missing = sim.Data.EmployeeIds[0];
        var empty = sim.Data.EmployeeIds[1];
        sim.Options.EmployesEmploymentsNotFoundFor.Add(missing);
        sim.Options.EmployesEmploymentsEmptyBodyFor.Add(empty);

        using var notFound = await client.SendAsync(sim.Employes($"{sim.EmployeesPath()}/{missing}/employments"), Ct);
        using var blank = await client.SendAsync(sim.Employes($"{sim.EmployeesPath()}/{empty}/employments"), Ct);
        using var employee = await client.SendAsync(sim.Employes($"{sim.EmployeesPath()}/{missing}"), Ct);

        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.Equal(HttpStatusCode.OK, blank.StatusCode);
        Assert.Empty(await blank.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal(HttpStatusCode.OK, employee.StatusCode);
    }
}
