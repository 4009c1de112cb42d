using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ingestion.Testing;

// A real Kestrel server on 127.0.0.1 with a free port, for tests that need HTTP on the wire.
//
// Usage: await using var server = await TestHttpServer.StartAsync(app => app.MapGet("/items", () => "[]"));
// then send requests to BaseAddress (it ends with '/'). Every request is counted before the endpoint runs (and before
// any middleware the map callback adds): RequestCount for all of them, CountFor per path, and Requests keeps
// "METHOD /path?query" in arrival order. Endpoints are ordinary minimal-API handlers; HttpContext.Abort() simulates a
// connection reset, and awaiting a TaskCompletionSource simulates a server that never answers.
public sealed class TestHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _perPath = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _requests = new();
    private int _count;

    private TestHttpServer(WebApplication app) => _app = app;

    // The server's address, for example http://127.0.0.1:51234/.
    public Uri BaseAddress { get; private set; } = null!;

    // How many requests arrived, in total.
    public int RequestCount => Volatile.Read(ref _count);

    // Every request as "METHOD /path?query", in arrival order.
    public IReadOnlyList<string> Requests => [.. _requests];

    // Starts a server with the endpoints (and middleware) that map adds; dispose it to stop.
    public static async Task<TestHttpServer> StartAsync(Action<WebApplication> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new TestHttpServer(app);
        app.Use((context, next) =>
        {
            Interlocked.Increment(ref server._count);
            server._perPath.AddOrUpdate(context.Request.Path.Value ?? "/", 1, (_, n) => n + 1);
            server._requests.Enqueue($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}");
            return next(context);
        });
        map(app);
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseAddress = new Uri(address.TrimEnd('/') + "/");
        return server;
    }

    // How many requests arrived for path (for example /items), any query.
    public int CountFor(string path) => _perPath.TryGetValue(path, out var count) ? count : 0;

    // An absolute URL on this server, from a path relative to BaseAddress (for example items?page=2).
    public Uri Url(string relative) => new(BaseAddress, relative.TrimStart('/'));

    // Stops the server.
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}

// Small helpers for endpoint handlers.
public static class TestHttp
{
    // Writes a JSON body with a status code (200 unless given) and optional response headers.
    public static Task WriteJsonAsync(HttpContext context, string json, int status = 200, params (string Name, string Value)[] headers)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        foreach (var (name, value) in headers)
        {
            context.Response.Headers[name] = value;
        }

        return context.Response.WriteAsync(json, context.RequestAborted);
    }
}
