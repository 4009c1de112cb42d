using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Ingestion.Tests.Running;

/// <summary>
/// One page that fails for good costs a page-number or offset stream only that page: the rest is stored, the run ends
/// Partial naming the skipped page, and nothing is soft-deleted. A cursor stream cannot skip and stops there.
/// </summary>
public sealed class SkippedPageTests
{
    private const int PageSize = 2;
    private const int Items = 12;
    private const int BrokenPage = 3;

    [Theory]
    [InlineData("PageNumber")]
    [InlineData("OffsetLimit")]
    public async Task A_permanently_failing_page_is_skipped_and_every_other_page_is_stored(string paginator)
    {
        await using var api = await StartApiAsync();
        using var host = await StartHostAsync(api, paginator);
        var runner = host.Services.GetRequiredService<ISyncRunner>();

        var report = Assert.Single(await runner.SyncStreamAsync("vendor", "items", null, TestContext.Current.CancellationToken));

        Assert.Equal(RunStatus.Partial, report.Status);
        Assert.Equal(Items - PageSize, report.RecordsNew);
        Assert.Equal(1, report.RecordsPartial);
        Assert.Equal(1, report.PagesSkipped);
        Assert.Equal(0, report.RecordsDeleted);
        Assert.Contains(report.Issues, i => i.Kind == IssueKind.PageSkipped && i.Message.StartsWith($"Page {BrokenPage} failed for good", StringComparison.Ordinal));
        var raw = host.Services.GetRequiredService<IRawStore>();
        Assert.Null(await raw.GetLatestAsync(new StreamId("vendor", "items"), "i-05", TestContext.Current.CancellationToken));
        Assert.NotNull(await raw.GetLatestAsync(new StreamId("vendor", "items"), "i-12", TestContext.Current.CancellationToken));

        // A second run with the page still broken deletes nothing it did not see.
        var again = Assert.Single(await runner.SyncStreamAsync("vendor", "items", null, TestContext.Current.CancellationToken));
        Assert.Equal(0, again.RecordsDeleted);
        Assert.Equal(Items - PageSize, await raw.CountLatestAsync(new StreamId("vendor", "items"), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_cursor_stream_cannot_skip_and_stops_at_the_failed_page()
    {
        await using var api = await StartApiAsync();
        using var host = await StartHostAsync(api, "Cursor");

        var report = Assert.Single(await host.Services.GetRequiredService<ISyncRunner>().SyncStreamAsync("vendor", "items", null, TestContext.Current.CancellationToken));

        Assert.Equal(RunStatus.Partial, report.Status);
        Assert.Equal((BrokenPage - 1) * PageSize, report.RecordsNew);
        Assert.Equal(0, report.PagesSkipped);
    }

    // Pages by page number, offset or cursor (the cursor is the next offset); the third page always answers 503.
    private static Task<TestHttpServer> StartApiAsync() => TestHttpServer.StartAsync(app => app.MapGet("/items", (HttpContext context) =>
    {
        var query = context.Request.Query;
        var offset = query.ContainsKey("page") ? (Int(query["page"]) - 1) * PageSize : Int(query["offset"]) + Int(query["cursor"]);
        if (offset / PageSize == BrokenPage - 1)
        {
            return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        }

        var items = Enumerable.Range(offset + 1, PageSize).Where(i => i <= Items).Select(i => new { id = $"i-{i:00}" }).ToList();
        var next = offset + PageSize < Items ? (offset + PageSize).ToString(CultureInfo.InvariantCulture) : null;
        return Results.Json(new { data = items, next });
    }));

    private static int Int(string? text) => text is null ? 0 : int.Parse(text, CultureInfo.InvariantCulture);

    private static async Task<IHost> StartHostAsync(TestHttpServer api, string paginator)
    {
        var values = new Dictionary<string, string?>
        {
            ["BaseAddress"] = api.BaseAddress.ToString(),
            ["Resilience:MaxRetries"] = "0",
            ["Streams:items:Path"] = "items",
            ["Streams:items:Records"] = "$.data",
            ["Streams:items:Paginator:Kind"] = paginator,
        };
        switch (paginator)
        {
            case "PageNumber":
                values["Streams:items:Paginator:PageParameter"] = "page";
                values["Streams:items:Paginator:PageSize"] = PageSize.ToString(CultureInfo.InvariantCulture);
                break;
            case "OffsetLimit":
                values["Streams:items:Paginator:OffsetParameter"] = "offset";
                values["Streams:items:Paginator:LimitParameter"] = "limit";
                values["Streams:items:Paginator:PageSize"] = PageSize.ToString(CultureInfo.InvariantCulture);
                break;
            default:
                values["Streams:items:Paginator:TokenPath"] = "$.next";
                values["Streams:items:Paginator:Parameter"] = "cursor";
                break;
        }

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddIngestion(ingestion => ingestion.UseInMemoryStores()
            .AddRestSource("vendor", new ConfigurationBuilder().AddInMemoryCollection(values).Build()));
        var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        return host;
    }
}
