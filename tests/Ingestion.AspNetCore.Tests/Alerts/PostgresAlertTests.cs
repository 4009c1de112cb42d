using Ingestion.AspNetCore.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Ingestion.AspNetCore.Tests.Alerts;

public sealed class PostgresAlertTests(PostgresServerFixture server)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Over_postgresql_a_transition_is_queued_once_delivered_and_shown_on_the_dashboard()
    {
        var sink = new RecordingSink();
        await using var host = await DashboardHost.StartAsync(new DashboardHost.Settings
        {
            PostgresConnectionString = await server.CreateDatabaseAsync("alerts"),
            Ingestion = ingestion =>
            {
                ingestion.Services.AddSingleton(sink);
                ingestion.AddAlertSink<RecordingSinkAdapter>();
            },
        });
        host.Vendor.PeopleDown = true;

        await host.SyncAsync("people");
        await host.SyncAsync("people");

        var queued = (await host.Get<IJobQueue>().GetJobsAsync(JobStatus.Pending, 10, Cancel)).Where(job => job.JobType == AlertDrain.JobType).ToList();
        Assert.Single(queued);
        Assert.Equal((1, 0), await AlertDrain.RunOnceAsync(host.Services));
        Assert.Equal((HealthAlertKind.Degraded, 1), (Assert.Single(sink.Alerts).Kind, sink.Alerts[0].ConsecutiveFailures));

        using var client = new DashboardClient(host);
        var html = await client.GetPageAsync();
        Assert.Contains("data-stream=\"demo/people\" data-health=\"Degraded\"", html, StringComparison.Ordinal);

        host.Vendor.PeopleDown = false;
        await host.SyncAsync("people");
        await AlertDrain.RunOnceAsync(host.Services);
        Assert.Equal([HealthAlertKind.Degraded, HealthAlertKind.Recovered], sink.Alerts.Select(a => a.Kind));
    }
}
