using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Ingestion.Samples.Cli.Tests.Support;

/// <summary>
/// A fake REST API on Kestrel (127.0.0.1, free port): <c>GET /v1/products?cursor=C</c> pages five products two at a time
/// (<c>{"data":[...],"next_cursor":...}</c>), honouring <c>updated_since</c>; <c>GET /v1/flaky?page=N</c> serves page 1 and
/// answers 500 for page 2; <c>GET /v1/groups/{group}/people</c> serves two people of any group.
/// </summary>
public sealed class FakeShopApi : IAsyncDisposable
{
    private readonly TestHttpServer _server;

    private FakeShopApi(TestHttpServer server) => _server = server;

    public Uri BaseAddress => _server.BaseAddress;

    public IReadOnlyList<string> Requests => _server.Requests;

    public static async Task<FakeShopApi> StartAsync() => new(await TestHttpServer.StartAsync(MapEndpoints));

    private static void MapEndpoints(WebApplication app)
    {
        app.MapGet("/v1/products", (HttpContext context) =>
        {
            var since = (string?)context.Request.Query["updated_since"];
            var products = Enumerable.Range(1, 5)
                .Select(i => new { id = $"p-{i}", name = $"Product {i}", updated_at = $"2026-01-{i * 5:00}" })
                .Where(p => since is null || string.CompareOrdinal(p.updated_at, since) >= 0)
                .ToList();
            var start = int.TryParse(context.Request.Query["cursor"], CultureInfo.InvariantCulture, out var c) ? c : 0;
            var page = products.Skip(start).Take(2).ToList();
            return Results.Json(new { data = page, next_cursor = start + 2 < products.Count ? (start + 2).ToString(CultureInfo.InvariantCulture) : null });
        });
        app.MapGet("/v1/groups/{group}/people", (string group) =>
            Results.Json(new { data = new[] { new { id = "u-1", group }, new { id = "u-2", group } } }));
        app.MapGet("/v1/flaky", (HttpContext context) =>
            context.Request.Query["page"] == "2"
                ? Results.StatusCode(StatusCodes.Status500InternalServerError)
                : Results.Json(new { data = new[] { new { id = "f-1" }, new { id = "f-2" } } }));
    }

    /// <summary>The configuration of a source <c>shop</c> on this API, with the given store.</summary>
    public Dictionary<string, string?> Configuration(string connectionString, bool withFlakyStream = false, bool withPeopleStream = false)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Ingestion"] = connectionString,
            ["Ingestion:Sources:shop:BaseAddress"] = BaseAddress.AbsoluteUri,
            ["Ingestion:Sources:shop:Resilience:MaxRetries"] = "0",
            ["Ingestion:Sources:shop:Streams:products:Path"] = "v1/products",
            ["Ingestion:Sources:shop:Streams:products:Records"] = "$.data",
            ["Ingestion:Sources:shop:Streams:products:Key"] = "id",
            ["Ingestion:Sources:shop:Streams:products:Paginator:Kind"] = "Cursor",
            ["Ingestion:Sources:shop:Streams:products:Paginator:TokenPath"] = "$.next_cursor",
            ["Ingestion:Sources:shop:Streams:products:Paginator:Parameter"] = "cursor",
            ["Ingestion:Sources:shop:Streams:products:Mode"] = "Incremental",
            ["Ingestion:Sources:shop:Streams:products:Incremental:CursorField"] = "updated_at",
            ["Ingestion:Sources:shop:Streams:products:Incremental:Parameter"] = "updated_since",
            ["Ingestion:Sources:shop:Streams:products:Incremental:Overlap"] = "00:00:00",
        };
        if (withFlakyStream)
        {
            settings["Ingestion:Sources:shop:Streams:flaky:Path"] = "v1/flaky";
            settings["Ingestion:Sources:shop:Streams:flaky:Records"] = "$.data";
            settings["Ingestion:Sources:shop:Streams:flaky:Paginator:Kind"] = "PageNumber";
            settings["Ingestion:Sources:shop:Streams:flaky:Paginator:PageParameter"] = "page";
            settings["Ingestion:Sources:shop:Streams:flaky:Paginator:PageSize"] = "2";
        }

        if (withPeopleStream)
        {
            // The run parameter 'group' fills the placeholder, so the requests show what the CLI passed.
            settings["Ingestion:Sources:shop:Streams:people:Path"] = "v1/groups/{group}/people";
            settings["Ingestion:Sources:shop:Streams:people:Records"] = "$.data";
        }

        return settings;
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
