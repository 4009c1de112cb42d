using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Ingestion.Tests.Composition;

/// <summary>
/// Stripe-style paging from configuration alone: <c>starting_after=&lt;id of the page's last record&gt;</c> taken with a negative
/// index (<c>$.data[-1].id</c>), and <c>has_more</c> as the stop condition.
/// </summary>
public sealed class StripeCursorConfigurationTests
{
    private const int Customers = 7;
    private const int Limit = 3;

    [Fact]
    public async Task A_stripe_shaped_api_syncs_every_record_from_configuration_alone()
    {
        await using var server = await TestHttpServer.StartAsync(app => app.MapGet("/v1/customers", (HttpContext context) =>
        {
            // Strict like Stripe: the limit must be sent, and starting_after must name an existing customer.
            if (context.Request.Query["limit"] != Limit.ToString(CultureInfo.InvariantCulture))
            {
                return Results.BadRequest();
            }

            var all = Enumerable.Range(1, Customers).Select(i => $"cus_{i:00}").ToList();
            var after = (string?)context.Request.Query["starting_after"];
            var start = after is null ? 0 : all.IndexOf(after) + 1;
            if (after is not null && start == 0)
            {
                return Results.BadRequest();
            }

            var page = all.Skip(start).Take(Limit).Select(id => new { id, @object = "customer" }).ToList();
            return Results.Json(new { @object = "list", data = page, has_more = start + Limit < Customers });
        }));
        var values = new Dictionary<string, string?>
        {
            ["Sources:stripe:BaseAddress"] = server.BaseAddress.ToString(),
            ["Sources:stripe:Auth:Kind"] = "Bearer",
            ["Sources:stripe:Auth:Token"] = "sk_test_123",
            ["Sources:stripe:Streams:customers:Path"] = "v1/customers",
            ["Sources:stripe:Streams:customers:Query:limit"] = Limit.ToString(CultureInfo.InvariantCulture),
            ["Sources:stripe:Streams:customers:Records"] = "$.data",
            ["Sources:stripe:Streams:customers:Paginator:Kind"] = "Cursor",
            ["Sources:stripe:Streams:customers:Paginator:TokenPath"] = "$.data[-1].id",
            ["Sources:stripe:Streams:customers:Paginator:Parameter"] = "starting_after",
            ["Sources:stripe:Streams:customers:Paginator:HasMorePath"] = "$.has_more",
        };
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddIngestion(ingestion => ingestion.UseInMemoryStores()
            .AddRestSource("stripe", new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("Sources:stripe")));
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);

        var report = Assert.Single(await host.Services.GetRequiredService<ISyncRunner>().SyncStreamAsync("stripe", "customers", null, TestContext.Current.CancellationToken));

        Assert.Equal(RunStatus.Succeeded, report.Status);
        Assert.Equal(Customers, report.RecordsNew);
        Assert.Equal(3, report.Pages);
        Assert.Equal(
            ["GET /v1/customers?limit=3", "GET /v1/customers?limit=3&starting_after=cus_03", "GET /v1/customers?limit=3&starting_after=cus_06"],
            server.Requests);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }
}
