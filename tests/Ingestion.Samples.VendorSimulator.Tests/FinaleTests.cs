using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using static Ingestion.Samples.VendorSimulator.Tests.TestSupport;

namespace Ingestion.Samples.VendorSimulator.Tests;

public sealed class FinaleTests
{
    [Fact]
    public async Task Basic_auth_accepts_the_api_key_only()
    {
        await using var sim = await VendorSimulator.StartAsync(Small(), Ct);
        using var client = sim.Client();

        var (ok, _) = await client.SendJsonAsync(sim.Finale("facility/"));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        using var bad = await client.SendAsync(sim.Finale("facility/", secret: "wrong"), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);

        using var none = await client.GetAsync(new Uri(sim.FinaleApiAddress, "facility/"), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
    }

    [Fact]
    public async Task Session_login_sets_a_cookie_that_authenticates_until_it_expires()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 7, 1, 8, 0, 0, TimeSpan.Zero));
        await using var sim = await VendorSimulator.StartAsync(Small(o => o.TimeProvider = time), Ct);
        using var handler = new HttpClientHandler { UseCookies = true };
        using var client = new HttpClient(handler) { BaseAddress = sim.BaseAddress };
        var auth = new Uri(sim.FinaleApiAddress, "auth");

        using var wrong = await client.PostAsync(auth, Json(new { username = sim.Options.FinaleUsername, password = "nope" }), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);

        using var login = await client.PostAsync(auth, Json(new { username = sim.Options.FinaleUsername, password = sim.Options.FinalePassword }), Ct);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        using var body = JsonDocument.Parse(await login.Content.ReadAsStringAsync(Ct));
        var orders = body.RootElement.GetProperty("resourceOrder").GetString()!;
        Assert.Equal("/finale/acme/api/order/", orders);
        Assert.Contains(handler.CookieContainer.GetCookies(sim.FinaleApiAddress), c => c.Name == "JSESSIONID");

        using var viaCookie = await client.GetAsync(new Uri(sim.BaseAddress, orders + "?limit=1"), Ct);
        Assert.Equal(HttpStatusCode.OK, viaCookie.StatusCode);

        time.Advance(TimeSpan.FromHours(2));
        using var expired = await client.GetAsync(new Uri(sim.BaseAddress, orders + "?limit=1"), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
    }

    private static StringContent Json(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");

    [Fact]
    public async Task Collections_are_column_major_and_single_orders_are_plain_objects_with_items()
    {
        await using var sim = await VendorSimulator.StartAsync(Small(), Ct);
        using var client = sim.Client();

        var (_, json) = await client.SendJsonAsync(sim.Finale("order/"));
        var root = json.RootElement;
        Assert.Equal(JsonValueKind.Object, root.ValueKind);
        var lengths = root.EnumerateObject().Select(p => p.Value.GetArrayLength()).Distinct().ToList();
        Assert.Equal([600], lengths);
        Assert.False(root.TryGetProperty("orderItemList", out _));
        Assert.Equal(JsonValueKind.Array, root.GetProperty("orderRoleList")[0].ValueKind);

        var rows = Rows(root);
        var orderUrl = rows[0]["orderUrl"].GetString()!;
        var (single, order) = await client.SendJsonAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(sim.BaseAddress, orderUrl)) { Headers = { Authorization = sim.Finale("x").Headers.Authorization } });
        Assert.Equal(HttpStatusCode.OK, single.StatusCode);
        Assert.Equal(rows[0]["orderId"].GetString(), order.RootElement.GetProperty("orderId").GetString());
        Assert.True(order.RootElement.GetProperty("orderItemList").GetArrayLength() >= 1);
        Assert.True(order.RootElement.TryGetProperty("statusIdHistoryList", out _));

        var (missing, _) = await client.SendJsonAsync(sim.Finale("order/PO-99999"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        var (_, products) = await client.SendJsonAsync(sim.Finale("product/"));
        var productRows = Rows(products.RootElement);
        Assert.Contains(productRows, p => !p["productUrl"].GetString()!.EndsWith("/" + p["productId"].GetString(), StringComparison.Ordinal));

        var (_, facilities) = await client.SendJsonAsync(sim.Finale("facility/"));
        Assert.Contains(Rows(facilities.RootElement), f => f["parentFacilityUrl"].ValueKind == JsonValueKind.String);

        var (_, empty) = await client.SendJsonAsync(sim.Finale("order/?filter=" + Filter(new Dictionary<string, string[]> { ["orderId"] = ["nope", "nope"] })));
        Assert.All(empty.RootElement.EnumerateObject(), p => Assert.Equal(0, p.Value.GetArrayLength()));
    }

    [Fact]
    public async Task LastUpdatedDate_window_filter_selects_exactly_the_closed_range_and_rejects_wide_or_open_ranges()
    {
        await using var sim = await VendorSimulator.StartAsync(new SimulatorOptions(), Ct);
        using var client = sim.Client();
        var from = new DateTime(2026, 5, 1, 0, 0, 0, DateTimeKind.Utc);
        var to = new DateTime(2026, 5, 30, 23, 59, 59, DateTimeKind.Utc);

        var (ok, json) = await client.SendJsonAsync(sim.Finale("order/?filter=" + Window(from, to)));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var rows = Rows(json.RootElement);
        Assert.Equal(sim.Data.CountOrdersUpdatedBetween(from, to), rows.Count);
        Assert.True(rows.Count > 50);
        Assert.All(rows, r => Assert.InRange(DateTime.Parse(r["lastUpdatedDate"].GetString()!, System.Globalization.CultureInfo.InvariantCulture), from, to));
        Assert.DoesNotContain(ok.Headers, h => h.Key.StartsWith("X-RateLimit", StringComparison.OrdinalIgnoreCase));

        var (wide, _) = await client.SendJsonAsync(sim.Finale("order/?filter=" + Window(from, from.AddDays(45))));
        Assert.Equal(HttpStatusCode.BadRequest, wide.StatusCode);
        using var open = await client.SendAsync(sim.Finale("order/?filter=" + Filter(new Dictionary<string, string?[]> { ["lastUpdatedDate"] = [null, "2026-05-30T00:00:00"] })), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, open.StatusCode);

        // limit applies after filtering and truncates silently; offset and plain field parameters are ignored.
        var (_, limited) = await client.SendJsonAsync(sim.Finale("order/?limit=10&offset=50&orderTypeId=SALES_ORDER&filter=" + Window(from, to)));
        var limitedRows = Rows(limited.RootElement);
        Assert.Equal(10, limitedRows.Count);
        Assert.Equal(rows[0]["orderId"].GetString(), limitedRows[0]["orderId"].GetString());
        Assert.Contains(limitedRows, r => r["orderTypeId"].GetString() == "PURCHASE_ORDER");

        var (_, typed) = await client.SendJsonAsync(sim.Finale("order/?filter=" + Filter(new Dictionary<string, string[]> { ["orderTypeId"] = ["SALES_ORDER", "SALES_ORDER"] })));
        Assert.All(Rows(typed.RootElement), r => Assert.Equal("SALES_ORDER", r["orderTypeId"].GetString()));
    }

    [Fact]
    public async Task Touched_orders_are_exactly_what_the_next_window_returns()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 7, 10, 12, 0, 0, TimeSpan.Zero));
        await using var sim = await VendorSimulator.StartAsync(Small(o => o.TimeProvider = time), Ct);
        using var client = sim.Client();
        var watermark = sim.Data.OrderLastUpdatedRange.Max;

        var touched = sim.Data.TouchPurchaseOrders(5);
        Assert.Equal(5, touched.Distinct().Count());
        var (_, json) = await client.SendJsonAsync(sim.Finale("order/?filter=" + Window(watermark.AddSeconds(1), time.GetUtcNow().UtcDateTime.AddMinutes(1))));
        var ids = Rows(json.RootElement).Select(r => r["orderId"].GetString()).ToList();
        Assert.Equal(touched.Order(StringComparer.Ordinal), ids.Order(StringComparer.Ordinal));
        Assert.All(touched, id => Assert.True(sim.Data.GetOrderLastUpdated(id) > watermark));
    }

    [Fact]
    public async Task Csv_reports_leave_group_cells_blank_and_the_stream_url_returns_html()
    {
        await using var sim = await VendorSimulator.StartAsync(Small(), Ct);
        using var client = sim.Client();

        using var orders = await client.SendAsync(sim.FinaleReport("order"), Ct);
        Assert.Equal("text/csv", orders.Content.Headers.ContentType?.MediaType);
        var lines = (await orders.Content.ReadAsStringAsync(Ct)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("\"Order ID\",\"Status\",\"Supplier\",\"Order date\",\"Product ID\",\"Quantity\",\"Unit price\"", lines[0]);
        Assert.Contains(lines.Skip(1), l => l.StartsWith("\"\",\"\",\"\",\"\",\"BC", StringComparison.Ordinal));
        Assert.StartsWith("\"Total\"", lines[^1], StringComparison.Ordinal);

        using var stock = await client.SendAsync(sim.FinaleReport("product"), Ct);
        var stockLines = (await stock.Content.ReadAsStringAsync(Ct)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(stockLines.Skip(1), l => l.StartsWith("\"\",", StringComparison.Ordinal));
        Assert.Contains(stockLines, l => l.Contains(",\"1,", StringComparison.Ordinal) || l.Contains(",\"2,", StringComparison.Ordinal));

        using var stream = await client.SendAsync(sim.FinaleReport("order", "pivotTableStream"), Ct);
        Assert.Equal("text/html", stream.Content.Headers.ContentType?.MediaType);
    }
}
