using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Ingestion.AspNetCore.Tests.Support;

// A small vendor API on loopback: /items always answers; /people answers 404 while PeopleDown is set (a failed run that
// is not retried, so the stream turns Degraded, then Unhealthy after three in a row).
public sealed class Vendor : IAsyncDisposable
{
    private TestHttpServer _server = null!;

    public volatile bool PeopleDown;

    public Uri BaseAddress => _server.BaseAddress;

    public static async Task<Vendor> StartAsync()
    {
        var vendor = new Vendor();
        vendor._server = await TestHttpServer.StartAsync(app =>
        {
            app.MapGet("/items", (HttpContext context) => TestHttp.WriteJsonAsync(context, """{"data":[{"id":1,"name":"bolt"},{"id":2,"name":"nut"},{"id":3,"name":"washer"}]}"""));
            app.MapGet("/people", (HttpContext context) => vendor.PeopleDown
                ? TestHttp.WriteJsonAsync(context, """{"error":"no such endpoint"}""", 404)
                : TestHttp.WriteJsonAsync(context, """{"data":[{"id":"a","name":"Ada"},{"id":"b","name":"Bo"}]}"""));
        });
        return vendor;
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
