using System.Text.Json.Serialization;
using Ingestion.Samples.VendorSimulator;
using Simulator = Ingestion.Samples.VendorSimulator.VendorSimulator;

namespace Ingestion.Samples.Host;

/// <summary>Composes the host the way the README teaches and runs either the demo or the long-running service.</summary>
internal static class SampleHost
{
    private const int ExitOk = 0;
    private const int ExitDemoMismatch = 1;
    private const int ExitUsage = 64;
    private const int ExitNoDatabase = 69;

    // Demo:Fault=<FaultKind> makes the simulator fail every employments request of one Employes employee that way, so a
    // check of the demo's verdict (tests/ci/ci-run-selftest.sh) can see it reject a stream that did not succeed.
    private const string FaultSetting = "Demo:Fault";

    private static readonly string[] Vendors = ["Employes", "Jibble", "Finale"];

    public static async Task<int> RunAsync(string[] args)
    {
        var serve = args.Contains("--serve", StringComparer.OrdinalIgnoreCase);
        var hostArgs = args.Where(arg => !string.Equals(arg, "--serve", StringComparison.OrdinalIgnoreCase)).ToArray();

        // The demo needs no HTTP server; --serve is a web app. Both are composed the same way below.
        IHostApplicationBuilder builder = serve ? WebApplication.CreateBuilder(hostArgs) : Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(hostArgs);

        // Real vendor credentials belong in user secrets (or environment variables), in every environment of a sample.
        builder.Configuration.AddUserSecrets(typeof(SampleHost).Assembly, optional: true);
        if (!serve)
        {
            // The demo's output is its report: only warnings and errors of the library are shown with it.
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Warning" });
        }

        using var stopping = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = !serve;
            stopping.Cancel();
        };

        var output = Console.Out;
        var now = TimeProvider.System.GetUtcNow();
        var simulated = Vendors.Where(vendor => !builder.Configuration.GetSection($"Ingestion:{vendor}").Exists()).ToList();
        await using var simulator = simulated.Count > 0 ? await Simulator.StartAsync(SimulatorConfiguration.DemoOptions(now), stopping.Token) : null;
        if (simulator is not null)
        {
            output.WriteLine($"Vendor simulator: {simulator.BaseAddress} stands in for {string.Join(", ", simulated)} (no Ingestion:<Vendor> section configured).");
        }

        if (builder.Configuration[FaultSetting] is { Length: > 0 } fault && !InjectFault(fault, simulated.Contains("Employes") ? simulator : null, output))
        {
            return ExitUsage;
        }

        await using var database = await DemoDatabase.OpenAsync(builder.Configuration.GetConnectionString("Ingestion"), output, stopping.Token);
        if (database is null)
        {
            return ExitNoDatabase;
        }

        var simulatorSettings = simulator is null
            ? null
            : new ConfigurationBuilder().AddInMemoryCollection(SimulatorConfiguration.For(simulator, now)).Build();
        IConfiguration VendorSection(string vendor) => simulated.Contains(vendor)
            ? simulatorSettings!.GetSection(vendor)
            : builder.Configuration.GetSection($"Ingestion:{vendor}");

        builder.Services.AddIngestion(ingestion =>
        {
            ingestion
                .UsePostgres(database.ConnectionString)
                .AddEmployes("employes", VendorSection("Employes"))
                .AddJibble("jibble", VendorSection("Jibble"))
                .AddFinale("finale", VendorSection("Finale"));

            if (serve)
            {
                // Unattended: the scheduler fires Ingestion:Schedules, the workers run the queued syncs, derivations and retries.
                ingestion
                    .AddScheduler(builder.Configuration.GetSection("Ingestion:Scheduler"))
                    .AddSchedules(builder.Configuration.GetSection("Ingestion:Schedules"))
                    .AddWorker(builder.Configuration.GetSection("Ingestion:Worker"));

                // Health alerts, when configured: Ingestion:Alerts:Webhook:Url (and :Secret), Ingestion:Alerts:Slack:WebhookUrl.
                // After the store and the scheduler, whose health and schedule stores they wrap.
                if (builder.Configuration["Ingestion:Alerts:Webhook:Url"] is { Length: > 0 } webhookUrl)
                {
                    ingestion.AddWebhookAlerts("webhook", webhook =>
                    {
                        webhook.Url = new Uri(webhookUrl);
                        webhook.Secret = builder.Configuration["Ingestion:Alerts:Webhook:Secret"];
                    });
                }

                if (builder.Configuration["Ingestion:Alerts:Slack:WebhookUrl"] is { Length: > 0 } slackUrl)
                {
                    ingestion.AddSlackAlerts("slack", slack => slack.WebhookUrl = new Uri(slackUrl));
                }
            }

            // Ingestion:Webhooks:<source> holds each vendor's signature settings and secrets.
            foreach (var webhook in builder.Configuration.GetSection("Ingestion:Webhooks").GetChildren())
            {
                ingestion.AddWebhook(webhook.Key, webhook);
                ingestion.Services.AddSingleton<IWebhookProcessor>(services => new SyncOnWebhook(webhook.Key, services.GetRequiredService<IIngestionClient>()));
            }
        });
        builder.Services.AddHealthChecks().AddIngestionHealthCheck();
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        builder.Services.AddSingleton<DemoRun>();

        if (serve)
        {
            builder.Services.AddIngestionDashboard();
            await using var web = ((WebApplicationBuilder)builder).Build();
            web.MapSampleEndpoints();
            var url = (builder.Configuration["Urls"] ?? "http://localhost:5000").Split(';')[0].TrimEnd('/');
            output.WriteLine($"Dashboard: {url}/ingestion (answers this machine only); API: {url}/ingestion/api.");
            await web.RunAsync(stopping.Token);
            return ExitOk;
        }

        using var app = ((HostApplicationBuilder)builder).Build();

        await app.StartAsync(stopping.Token);
        var demo = app.Services.GetRequiredService<DemoRun>();
        var first = await demo.RunPassAsync("Pass 1: first sync of every stream", output, stopping.Token);
        var second = await demo.RunPassAsync("Pass 2: the same sync again (nothing changed at the vendors)", output, stopping.Token);
        await app.StopAsync(CancellationToken.None);
        return Verdict(first, second, output);
    }

    // The demo syncs vendors (or their simulator without faults) that should answer every request, so any stream that did
    // not succeed, in either pass, is a regression: Partial, Failed and Cancelled all fail the demo, not only Failed.
    private static int Verdict(PassResult first, PassResult second, TextWriter output)
    {
        output.WriteLine();
        var changed = second.Reports.Sum(r => r.RecordsNew + r.RecordsChanged);
        var unsuccessful = first.Reports.Select(r => (Pass: 1, Report: r)).Concat(second.Reports.Select(r => (Pass: 2, Report: r)))
            .Where(run => run.Report.Status != RunStatus.Succeeded)
            .ToList();
        if (changed == 0 && unsuccessful.Count == 0 && first.StoredRecords == second.StoredRecords)
        {
            output.WriteLine($"Pass 2 found nothing new or changed and stored no duplicates: {second.StoredRecords:N0} records, each kept once.");
            return ExitOk;
        }

        foreach (var (pass, report) in unsuccessful)
        {
            output.WriteLine($"Not succeeded: pass {pass} {report.Stream} ended {report.Status}.");
        }

        output.WriteLine(
            $"Unexpected: {unsuccessful.Count} stream runs did not succeed, pass 2 saw {changed:N0} new or changed records, " +
            $"stored records went from {first.StoredRecords:N0} to {second.StoredRecords:N0}.");
        return ExitDemoMismatch;
    }

    // simulator: the simulator when it stands in for Employes, else null.
    private static bool InjectFault(string fault, Simulator? simulator, TextWriter output)
    {
        if (!Enum.TryParse<FaultKind>(fault, ignoreCase: true, out var kind) || !Enum.IsDefined(kind))
        {
            output.WriteLine($"{FaultSetting} must be one of {string.Join(", ", Enum.GetNames<FaultKind>())}; it is '{fault}'.");
            return false;
        }

        if (simulator is null)
        {
            output.WriteLine($"{FaultSetting} needs the simulator to stand in for Employes.");
            return false;
        }

        var employee = simulator.Data.EmployeeIds[0];
        simulator.Faults.Add(new FaultRule(Vendor.Employes, $"/v4/*/employees/{employee}/employments", kind, Times: int.MaxValue));
        output.WriteLine($"Injected fault: {kind} on every employments request of Employes employee {employee} ({FaultSetting}).");
        return true;
    }
}
