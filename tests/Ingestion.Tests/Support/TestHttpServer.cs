using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ingestion.Tests.Support;

/// <summary>
/// A real Kestrel server on 127.0.0.1 with a free port, for tests that need HTTP on the wire.
/// <para>
/// Usage: <c>await using var server = await TestHttpServer.StartAsync(app => app.MapGet("/items", () => "[]"));</c>
/// then send requests to <see cref="BaseAddress"/> (it ends with <c>/</c>). Every request is counted before the
/// endpoint runs: <see cref="RequestCount"/> for all of them, <see cref="CountFor"/> per path, and
/// <see cref="Requests"/> keeps method, path and query in arrival order. Endpoints are ordinary minimal-API
/// handlers; <c>HttpContext.Abort()</c> simulates a connection reset, and awaiting a <see cref="TaskCompletionSource"/>
/// simulates a server that never answers.
/// </para>
/// </summary>
public sealed class TestHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _perPath = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _requests = new();
    private int _count;

    private TestHttpServer(WebApplication app) => _app = app;

    /// <summary>The server's address, for example <c>http://127.0.0.1:51234/</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>How many requests arrived, in total.</summary>
    public int RequestCount => Volatile.Read(ref _count);

    /// <summary>Every request as <c>METHOD /path?query</c>, in arrival order.</summary>
    public IReadOnlyList<string> Requests => [.. _requests];

    /// <summary>Starts a server with the endpoints that <paramref name="map"/> adds.</summary>
    /// <param name="map">Maps endpoints (for example <c>app.MapGet(...)</c>).</param>
    /// <returns>The started server; dispose it to stop.</returns>
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

    /// <summary>How many requests arrived for <paramref name="path"/> (for example <c>/items</c>), any query.</summary>
    /// <param name="path">The request path.</param>
    /// <returns>The count.</returns>
    public int CountFor(string path) => _perPath.TryGetValue(path, out var count) ? count : 0;

    /// <summary>An absolute URL on this server.</summary>
    /// <param name="relative">A path relative to <see cref="BaseAddress"/>, for example <c>items?page=2</c>.</param>
    /// <returns>The URL.</returns>
    public Uri Url(string relative) => new(BaseAddress, relative.TrimStart('/'));

    /// <summary>Stops the server.</summary>
    /// <returns>A task that completes when the server has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>Small helpers for endpoint handlers.</summary>
public static class TestHttp
{
    /// <summary>Writes a JSON body with a status code and optional headers.</summary>
    /// <param name="context">The request context.</param>
    /// <param name="json">The body.</param>
    /// <param name="status">The status code. Defaults to 200.</param>
    /// <param name="headers">Response headers to add.</param>
    /// <returns>A task that completes when the body is written.</returns>
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
