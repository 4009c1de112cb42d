using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ingestion.Benchmarks.Paging;

/// <summary>
/// A Kestrel server on 127.0.0.1 serving <c>/items?page=n</c> from pre-serialized bodies, so the server's cost is
/// the same for every client. Page bodies repeat cyclically past the pre-serialized set (different from their neighbours),
/// or, with unique keys, every page is made when it is asked for, so no key is sent twice.
/// </summary>
internal sealed class LoopbackPageServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly byte[][] _bodies;
    private readonly bool _uniqueKeys;

    private LoopbackPageServer(WebApplication app, byte[][] bodies, bool uniqueKeys, Uri baseAddress)
    {
        _app = app;
        _bodies = bodies;
        _uniqueKeys = uniqueKeys;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public int TotalPages { get; private set; }

    /// <summary>The average payload of one record in bytes, as sent.</summary>
    public double PayloadBytesPerRecord { get; private set; }

    public static async Task<LoopbackPageServer> StartAsync(int distinctPages, int recordsPerPage, bool uniqueKeys = false)
    {
        var bodies = new byte[distinctPages][];
        long recordBytes = 0;
        for (var page = 1; page <= distinctPages; page++)
        {
            var (body, records) = Body(page, recordsPerPage);
            bodies[page - 1] = body;
            recordBytes += records;
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        LoopbackPageServer? server = null;
        app.MapGet("/items", (HttpContext context) =>
        {
            var page = int.Parse(context.Request.Query["page"].FirstOrDefault() ?? "1", CultureInfo.InvariantCulture);
            var body = page < 1 || page > server!.TotalPages ? "{\"data\":[]}"u8.ToArray()
                : server._uniqueKeys ? Body(page, recordsPerPage).Body
                : server._bodies[(page - 1) % server._bodies.Length];
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = body.Length;
            return context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new LoopbackPageServer(app, bodies, uniqueKeys, new Uri(address.TrimEnd('/') + "/"))
        {
            TotalPages = distinctPages,
            PayloadBytesPerRecord = recordBytes / (double)(distinctPages * recordsPerPage),
        };
        return server;
    }

    /// <summary>Serves <paramref name="pages"/> pages in total (cycling over the distinct bodies); later pages are empty.</summary>
    public void ServePages(int pages) => TotalPages = pages;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static (byte[] Body, long RecordBytes) Body(int page, int records)
    {
        var builder = new StringBuilder("{\"data\":[");
        long recordBytes = 0;
        for (var i = 0; i < records; i++)
        {
            var record = string.Create(CultureInfo.InvariantCulture, $"{{\"id\":\"p{page}-{i}\",\"name\":\"Employee {page * 1000 + i}\",\"email\":\"employee{i}@example.com\",\"department\":\"Operations\",\"updated_at\":\"2025-03-01T08:{i % 60:00}:00Z\",\"salary\":{40000 + (i * 37)},\"active\":true}}");
            recordBytes += Encoding.UTF8.GetByteCount(record);
            builder.Append(i == 0 ? string.Empty : ",").Append(record);
        }

        builder.Append("],\"page\":").Append(page).Append('}');
        return (Encoding.UTF8.GetBytes(builder.ToString()), recordBytes);
    }
}
