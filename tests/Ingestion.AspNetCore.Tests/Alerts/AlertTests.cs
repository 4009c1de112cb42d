using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Ingestion.AspNetCore.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Ingestion.AspNetCore.Tests.Alerts;

public sealed class AlertTests
{
    private const string Secret = "alert-signing-secret-1234";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static readonly StreamId People = new("demo", "people");

    private static Task<DashboardHost> HostWithRecorderAsync(RecordingSink sink, Action<IIngestionBuilder>? more = null) => DashboardHost.StartAsync(new DashboardHost.Settings
    {
        Ingestion = ingestion =>
        {
            ingestion.Services.AddSingleton(sink);
            ingestion.AddAlertSink<RecordingSinkAdapter>();
            more?.Invoke(ingestion);
        },
    });

    [Fact]
    public async Task One_alert_per_transition_not_per_failed_run()
    {
        var sink = new RecordingSink();
        await using var host = await HostWithRecorderAsync(sink);

        await host.SyncAsync("people");                           // Unknown -> Healthy: nothing to tell
        host.Vendor.PeopleDown = true;
        await host.SyncAsync("people");                           // Healthy -> Degraded
        await host.SyncAsync("people");                           // still Degraded: no second alert
        await host.SyncAsync("people");                           // Degraded -> Unhealthy (third failure in a row)
        await host.SyncAsync("people");                           // still Unhealthy
        host.Vendor.PeopleDown = false;
        await host.SyncAsync("people");                           // Unhealthy -> Healthy: recovered
        await host.SyncAsync("items");                            // Unknown -> Healthy, another stream: nothing
        await AlertDrain.RunOnceAsync(host.Services);

        Assert.Equal(
            [(HealthAlertKind.Degraded, StreamHealthStatus.Healthy, StreamHealthStatus.Degraded, 1),
             (HealthAlertKind.Unhealthy, StreamHealthStatus.Degraded, StreamHealthStatus.Unhealthy, 3),
             (HealthAlertKind.Recovered, StreamHealthStatus.Unhealthy, StreamHealthStatus.Healthy, 0)],
            sink.Alerts.OrderBy(a => a.At).ThenBy(a => a.Kind).Select(a => (a.Kind, a.PreviousStatus, a.Status, a.ConsecutiveFailures)));
        Assert.All(sink.Alerts, alert => Assert.Equal(People, alert.Stream));
        Assert.Contains("404", sink.Alerts[0].Error, StringComparison.Ordinal);
        Assert.Null(sink.Alerts[2].Error);

        // Delivered once each: a second pass finds nothing left to send.
        Assert.Equal((0, 0), await AlertDrain.RunOnceAsync(host.Services));
        Assert.Equal(3, sink.Alerts.Count);
    }

    [Fact]
    public async Task A_schedule_disabled_after_failures_raises_one_auto_disabled_alert()
    {
        var sink = new RecordingSink();
        await using var host = await HostWithRecorderAsync(sink);
        var schedules = host.Get<IScheduleStore>();
        var failure = new ScheduleRunOutcome { Succeeded = false, FinishedAt = DateTimeOffset.UtcNow, Error = "HTTP 401 from GET /people?token=abc123secret", DisableAfterFailures = 2 };

        await schedules.RecordOutcomeAsync("demo/people", failure, Cancel);
        await schedules.RecordOutcomeAsync("demo/people", failure, Cancel);   // the second failure disables it
        await schedules.RecordOutcomeAsync("demo/people", failure, Cancel);   // already disabled: no second alert
        await AlertDrain.RunOnceAsync(host.Services);

        var alert = Assert.Single(sink.Alerts);
        Assert.Equal((HealthAlertKind.AutoDisabled, "demo/people", People, 2), (alert.Kind, alert.Schedule, alert.Stream, alert.ConsecutiveFailures));
        Assert.DoesNotContain("abc123secret", alert.Error, StringComparison.Ordinal);
        Assert.False((await schedules.GetAsync("demo/people", Cancel))!.Enabled);
    }

    [Fact]
    public async Task A_sink_that_is_down_never_fails_a_sync_and_is_retried_through_the_queue_until_it_answers()
    {
        var sink = new RecordingSink { Down = true };
        await using var host = await HostWithRecorderAsync(sink);
        host.Vendor.PeopleDown = true;

        var report = await host.SyncAsync("people");
        Assert.Equal(RunStatus.Failed, report.Status);                      // failed because of the vendor, not the sink
        Assert.Equal(StreamHealthStatus.Degraded, (await host.Get<IHealthStore>().GetAsync(People, Cancel))!.Status);

        Assert.Equal((0, 1), await AlertDrain.RunOnceAsync(host.Services));
        Assert.Equal((0, 1), await AlertDrain.RunOnceAsync(host.Services));
        var waiting = Assert.Single(await host.Get<IJobQueue>().GetJobsAsync(JobStatus.Pending, 10, Cancel), job => job.JobType == AlertDrain.JobType);
        Assert.Equal((2, "The pager is down."), (waiting.Attempts, waiting.LastError));
        Assert.Empty(sink.Alerts);

        sink.Down = false;
        Assert.Equal((1, 0), await AlertDrain.RunOnceAsync(host.Services));
        Assert.Equal(HealthAlertKind.Degraded, Assert.Single(sink.Alerts).Kind);
        Assert.Equal(JobStatus.Completed, (await host.Get<IJobQueue>().GetAsync(waiting.Id, Cancel))!.Status);
    }

    [Fact]
    public async Task The_webhook_sink_posts_json_signed_as_inbound_webhooks_are_verified_and_slack_gets_a_message()
    {
        var received = new ConcurrentQueue<(string Path, Dictionary<string, string> Headers, byte[] Body)>();
        var failFirst = 1;
        await using var receiver = await TestHttpServer.StartAsync(app => app.MapPost("/{hook}", async (HttpContext context, string hook) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            if (hook == "ops" && Interlocked.Decrement(ref failFirst) >= 0)
            {
                return Results.StatusCode(503);                          // the first delivery meets an outage
            }

            received.Enqueue((hook, context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body.ToArray()));
            return Results.Ok();
        }));
        await using var host = await DashboardHost.StartAsync(new DashboardHost.Settings
        {
            Ingestion = ingestion => ingestion
                .AddWebhookAlerts("ops", webhook => { webhook.Url = receiver.Url("ops"); webhook.Secret = Secret; })
                .AddSlackAlerts("slack", slack => { slack.WebhookUrl = receiver.Url("slack"); slack.Prefix = "[test]"; }),
        });
        host.Vendor.PeopleDown = true;
        await host.SyncAsync("people");

        Assert.Equal((1, 1), await AlertDrain.RunOnceAsync(host.Services));   // Slack delivered, the webhook met the outage
        Assert.Equal((1, 0), await AlertDrain.RunOnceAsync(host.Services));   // the webhook, retried

        var ops = Assert.Single(received, r => r.Path == "ops");
        var verifier = new WebhookVerifier(TimeProvider.System);
        var inbound = new WebhookSourceOptions
        {
            SignatureHeader = WebhookAlertOptions.DefaultSignatureHeader,
            SignaturePrefix = "sha256=",
            TimestampHeader = WebhookAlertOptions.DefaultTimestampHeader,
            SignedContentPrefix = "{timestamp}.",
        };
        inbound.Secrets.Add("another-secret-in-rotation");
        inbound.Secrets.Add(Secret);
        Assert.True(verifier.Verify(inbound, ops.Headers, ops.Body).IsValid);
        var tampered = (byte[])ops.Body.Clone();
        tampered[^2] ^= 1;
        Assert.Equal(WebhookRejectionReason.SignatureMismatch, verifier.Verify(inbound, ops.Headers, tampered).Reason);
        using var json = JsonDocument.Parse(ops.Body);
        Assert.Equal(("Degraded", "demo", "people"), (json.RootElement.GetProperty("kind").GetString(), json.RootElement.GetProperty("stream").GetProperty("source").GetString(), json.RootElement.GetProperty("stream").GetProperty("stream").GetString()));
        Assert.Equal(json.RootElement.GetProperty("id").GetString(), ops.Headers["X-Ingestion-Delivery"]);

        var slack = Assert.Single(received, r => r.Path == "slack");
        using var message = JsonDocument.Parse(slack.Body);
        Assert.StartsWith("[test] :warning: *demo/people is Degraded (was Unknown)", message.RootElement.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal("section", message.RootElement.GetProperty("blocks")[0].GetProperty("type").GetString());

        // The Slack URL is a credential and the signing secret is one: neither reaches a log line.
        Assert.DoesNotContain(host.Logs.Lines, line => line.Contains("/slack", StringComparison.Ordinal) || line.Contains(Secret, StringComparison.Ordinal));
    }

    [Fact]
    public void Alert_sinks_added_before_the_store_are_refused_with_the_fix()
    {
        var services = new ServiceCollection();
        var error = Assert.Throws<InvalidOperationException>(() => services.AddIngestion(ingestion => ingestion
            .AddWebhookAlerts("ops", webhook => webhook.Url = new Uri("https://hooks.example.com/ops"))
            .UseInMemoryStores()));

        Assert.Contains("call UsePostgres(...) or UseInMemoryStores() before adding alert sinks", error.Message, StringComparison.Ordinal);
    }
}
