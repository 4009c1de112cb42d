using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ingestion.AspNetCore.Tests.Support;

// The dashboard and the API in a real Kestrel app on loopback, over the in-memory stores (or PostgreSQL), syncing the
// test vendor's source "demo" (streams items and people), with a schedule per stream. A request with the header
// X-Test-Remote-Address is treated as coming from that address, the way forwarded-headers middleware would set it, so
// tests can be a remote caller from this machine.
public sealed class DashboardHost : IAsyncDisposable
{
    public const string RemoteHeader = "X-Test-Remote-Address";

    private readonly WebApplication _app;

    private DashboardHost(WebApplication app, Vendor vendor, CapturingLoggerProvider logs)
    {
        _app = app;
        Vendor = vendor;
        Logs = logs;
    }

    public Vendor Vendor { get; }

    public CapturingLoggerProvider Logs { get; }

    public Uri BaseAddress { get; private set; } = null!;

    public IServiceProvider Services => _app.Services;

    public sealed class Settings
    {
        public Action<IngestionDashboardOptions>? Dashboard { get; set; }

        public Action<IngestionApiOptions>? Api { get; set; }

        public Action<IIngestionBuilder>? Ingestion { get; set; }

        public string? PostgresConnectionString { get; set; }

        public string? DashboardPolicy { get; set; }
    }

    public static async Task<DashboardHost> StartAsync(Settings? settings = null)
    {
        settings ??= new Settings();
        var vendor = await Vendor.StartAsync();
        var logs = new CapturingLoggerProvider();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        builder.Services.AddIngestion(ingestion =>
        {
            if (settings.PostgresConnectionString is { } connectionString)
            {
                ingestion.UsePostgres(connectionString);
            }
            else
            {
                ingestion.UseInMemoryStores(options => options.JobBackoff = _ => TimeSpan.Zero);
            }

            ingestion.AddRestSource("demo", source => source
                .BaseAddress(vendor.BaseAddress)
                .Stream("items", s => s.Get("items").Records("$.data").Key("id"))
                .Stream("people", s => s.Get("people").Records("$.data").Key("id")));
            // The scheduler's loop is off, so nothing fires on its own; the schedules are stored at start (below).
            ingestion.AddScheduler(options => options.Enabled = false);
            settings.Ingestion?.Invoke(ingestion);
        });
        builder.Services.AddIngestionDashboard();
        if (settings.DashboardPolicy is { } policy)
        {
            builder.Services.AddAuthentication();
            builder.Services.AddAuthorization(options => options.AddPolicy(policy, p => p.RequireAssertion(_ => true)));
        }

        var app = builder.Build();
        app.Use((context, next) =>
        {
            if (context.Request.Headers.TryGetValue(RemoteHeader, out var remote))
            {
                context.Connection.RemoteIpAddress = IPAddress.Parse(remote.ToString());
            }

            return next(context);
        });
        var dashboard = app.MapIngestionDashboard("/ingestion", settings.Dashboard);
        if (settings.DashboardPolicy is { } name)
        {
            dashboard.RequireAuthorization(name);
        }

        app.MapIngestionApi("/ingestion/api", settings.Api);
        var host = new DashboardHost(app, vendor, logs);
        await app.StartAsync();
        var schedules = app.Services.GetRequiredService<IScheduleStore>();
        var tomorrow = new DateTimeOffset(DateTimeOffset.UtcNow.UtcDateTime.Date.AddDays(1), TimeSpan.Zero);
        foreach (var (stream, hour) in new[] { ("items", 3), ("people", 4) })
        {
            await schedules.UpsertAsync(
                new ScheduleDefinition { Name = $"demo/{stream}", Source = "demo", Stream = stream, Cron = $"0 {hour} * * *" },
                tomorrow.AddHours(hour),
                TestContext.Current.CancellationToken);
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        host.BaseAddress = new Uri(address.TrimEnd('/') + "/");
        return host;
    }

    public Uri Url(string relative) => new(BaseAddress, relative.TrimStart('/'));

    public T Get<T>()
        where T : notnull => _app.Services.GetRequiredService<T>();

    // Syncs one stream of the demo source in-process (what a worker would do with a queued sync).
    public async Task<SyncReport> SyncAsync(string stream) =>
        Assert.Single(await Get<ISyncRunner>().SyncStreamAsync("demo", stream, null, TestContext.Current.CancellationToken));

    public async ValueTask DisposeAsync()
    {
        // A failing test shows what the host logged as errors.
        foreach (var line in Logs.Lines.Where(line => line.StartsWith("Error", StringComparison.Ordinal) || line.StartsWith("Critical", StringComparison.Ordinal)))
        {
            TestContext.Current.TestOutputHelper?.WriteLine(line);
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
        await Vendor.DisposeAsync();
    }
}
