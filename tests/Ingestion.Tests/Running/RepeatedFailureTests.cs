using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Ingestion.Tests.Running;

/// <summary>
/// A source that fails the same way run after run keeps one partial record, not one per run; a failed page that a later
/// complete run fetches whole is reported as resolved, not deleted.
/// </summary>
public sealed class RepeatedFailureTests
{
    private static readonly StreamId Items = new("vendor", "items");

    [Fact]
    public async Task Four_runs_with_a_wrong_key_leave_one_partial_version()
    {
        await using var api = await TestHttpServer.StartAsync(app => app.MapGet("/items", (HttpContext context) =>
            context.Request.Headers["X-Api-Key"] == "right" ? Results.Json(new { data = new[] { new { id = "a" } } }) : Results.StatusCode(401)));
        using var host = await StartHostAsync(api, apiKey: "wrong");
        var runner = host.Services.GetRequiredService<ISyncRunner>();

        for (var run = 0; run < 4; run++)
        {
            var report = Assert.Single(await runner.SyncStreamAsync("vendor", "items", null, TestContext.Current.CancellationToken));
            Assert.Equal(1, report.RecordsPartial);
        }

        var raw = host.Services.GetRequiredService<IRawStore>();
        var partial = Assert.Single(await ToListAsync(raw.QueryLatestAsync(Items, new RawRecordQuery { IncludeDeleted = true }, TestContext.Current.CancellationToken)));
        Assert.True(partial.IsPartial);
        Assert.Single(await ToListAsync(raw.GetHistoryAsync(Items, partial.Key, TestContext.Current.CancellationToken)));
    }

    [Fact]
    public async Task A_failed_page_that_a_later_run_fetches_whole_is_resolved_not_deleted()
    {
        var broken = true;
        await using var api = await TestHttpServer.StartAsync(app => app.MapGet("/items", (HttpContext context) =>
        {
            var page = int.Parse(context.Request.Query["page"].ToString(), CultureInfo.InvariantCulture);
            if (page == 2 && Volatile.Read(ref broken))
            {
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            }

            var items = page <= 3 ? new[] { new { id = $"i-{page}a" }, new { id = $"i-{page}b" } } : [];
            return Results.Json(new { data = items });
        }));
        using var host = await StartHostAsync(api, apiKey: "right");
        var runner = host.Services.GetRequiredService<ISyncRunner>();

        var first = Assert.Single(await runner.SyncStreamAsync("vendor", "items", null, TestContext.Current.CancellationToken));
        Assert.Equal((RunStatus.Partial, 1, 4L), (first.Status, first.PagesSkipped, first.RecordsNew));

        Volatile.Write(ref broken, false);
        var second = Assert.Single(await runner.SyncStreamAsync("vendor", "items", null, TestContext.Current.CancellationToken));

        Assert.Equal(RunStatus.Succeeded, second.Status);
        Assert.Equal(2L, second.RecordsNew);
        Assert.Equal(1, second.RecordsResolved);
        Assert.Equal(0L, second.RecordsDeleted);
        var resolved = Assert.Single(second.Issues, issue => issue.Kind == IssueKind.PartialResolved);
        Assert.StartsWith("page:", resolved.Key, StringComparison.Ordinal);
        Assert.Equal(6L, await host.Services.GetRequiredService<IRawStore>().CountLatestAsync(Items, TestContext.Current.CancellationToken));
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
        {
            list.Add(item);
        }

        return list;
    }

    private static async Task<IHost> StartHostAsync(TestHttpServer api, string apiKey)
    {
        var values = new Dictionary<string, string?>
        {
            ["BaseAddress"] = api.BaseAddress.ToString(),
            ["Resilience:MaxRetries"] = "0",
            ["Auth:Kind"] = "ApiKey",
            ["Auth:Name"] = "X-Api-Key",
            ["Auth:Value"] = apiKey,
            ["Streams:items:Path"] = "items",
            ["Streams:items:Records"] = "$.data",
            ["Streams:items:Paginator:Kind"] = "PageNumber",
            ["Streams:items:Paginator:PageParameter"] = "page",
            ["Streams:items:Paginator:PageSize"] = "2",
        };
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddIngestion(ingestion => ingestion.UseInMemoryStores()
            .AddRestSource("vendor", new ConfigurationBuilder().AddInMemoryCollection(values).Build()));
        var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        return host;
    }
}
