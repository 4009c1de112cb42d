using System.Security.Cryptography;
using System.Text;
using Ingestion.Postgres.Tests.Support;
using Ingestion.Queue.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Ingestion.Postgres.Tests.Webhooks;

public sealed class PostgresWebhookInboxTests(PostgresServerFixture server)
{
    private const string Secret = "whsec-pg";
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Verified_deliveries_are_kept_byte_for_byte_deduplicated_and_queued_refused_ones_recorded_without_body()
    {
        var connectionString = await server.GetDatabaseAsync(nameof(PostgresWebhookInboxTests));
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddIngestion(ingestion => ingestion
            .AddWebhook("shop", o =>
            {
                o.Secrets.Add(Secret);
                o.DeliveryIdHeader = "X-Delivery";
                o.EventTypeHeader = "X-Event";
            })
            .UsePostgres(connectionString, o => o.Schema = "webhooks"));
        await using var provider = services.BuildServiceProvider();
        var receiver = provider.GetRequiredService<IWebhookReceiver>();
        var inbox = provider.GetRequiredService<IWebhookInbox>();
        var queue = provider.GetRequiredService<IJobQueue>();
        var body = Encoding.UTF8.GetBytes("""{ "b": 1,  "a": "x" }""");
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), body));
        KeyValuePair<string, string>[] headers = [new("X-Signature", signature), new("X-Delivery", "d-1"), new("X-Event", "order.paid"), new("Cookie", "session=abc")];

        var accepted = await receiver.ReceiveAsync("shop", headers, body, Cancel);
        var again = await receiver.ReceiveAsync("shop", headers, body, Cancel);
        var refused = await receiver.ReceiveAsync("shop", [new("X-Signature", signature), new("X-Delivery", "d-2")], Encoding.UTF8.GetBytes("{}"), Cancel);

        Assert.True(accepted.Accepted);
        Assert.True(again.Duplicate);
        Assert.Equal(accepted.InboxId, again.InboxId);
        Assert.Equal(accepted.JobId, again.JobId);
        var entry = await inbox.GetAsync(accepted.InboxId!.Value, Cancel);
        Assert.NotNull(entry);
        Assert.Equal(body, entry.Body.ToArray());
        Assert.Equal("d-1", entry.DeliveryId);
        Assert.Equal("order.paid", entry.EventType);
        Assert.Equal(accepted.JobId, entry.JobId);
        Assert.Null(entry.ProcessedAt);
        Assert.Equal(signature, entry.Headers["x-signature"]);
        Assert.False(entry.Headers.ContainsKey("Cookie"));
        var job = await queue.GetAsync(accepted.JobId!.Value, Cancel);
        Assert.NotNull(job);
        Assert.Equal(IngestionJobTypes.Webhook, job.JobType);
        Assert.Equal(entry.Id, WebhookJobPayload.Parse(job.Payload).InboxId);

        Assert.Equal(WebhookRejectionReason.SignatureMismatch, refused.Rejection);
        var rejected = await inbox.GetAsync(refused.InboxId!.Value, Cancel);
        Assert.NotNull(rejected);
        Assert.False(rejected.SignatureValid);
        Assert.True(rejected.Body.IsEmpty);
        Assert.Null(rejected.DeliveryId);
        Assert.Equal(time.GetUtcNow(), rejected.ProcessedAt);
        Assert.Contains("SignatureMismatch", rejected.Error, StringComparison.Ordinal);
        Assert.Equal([refused.InboxId.Value, accepted.InboxId.Value], (await inbox.GetRecentAsync("shop", 10, Cancel)).Select(e => e.Id));

        await inbox.MarkProcessedAsync(entry.Id, time.GetUtcNow(), null, Cancel);
        Assert.Equal(time.GetUtcNow(), (await inbox.GetAsync(entry.Id, Cancel))!.ProcessedAt);
    }

    [Fact]
    public async Task Retention_removes_processed_deliveries_older_than_its_rule_and_keeps_unprocessed_and_recent_ones()
    {
        var connectionString = await server.GetDatabaseAsync(nameof(PostgresWebhookInboxTests));
        var t0 = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(t0);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddIngestion(ingestion => ingestion.UsePostgres(connectionString, o => o.Schema = "webhook_retention"));
        await using var provider = services.BuildServiceProvider();
        var inbox = provider.GetRequiredService<IWebhookInbox>();
        async Task<long> AddAsync(string id, DateTimeOffset receivedAt, bool processed)
        {
            var added = await inbox.AddAsync(new WebhookInboxWrite { Source = "shop", DeliveryId = id, Body = "{}"u8.ToArray(), SignatureValid = true, ReceivedAt = receivedAt }, Cancel);
            if (processed)
            {
                await inbox.MarkProcessedAsync(added.Entry.Id, receivedAt.AddMinutes(1), error: null, Cancel);
            }

            return added.Entry.Id;
        }

        var old = await AddAsync("old", t0, processed: true);
        var waiting = await AddAsync("waiting", t0, processed: false);
        var recent = await AddAsync("recent", t0.AddDays(50), processed: true);
        time.Advance(TimeSpan.FromDays(60));
        var options = new RetentionOptions { WebhookInboxMaxAge = TimeSpan.FromDays(30), BatchSize = 1 };

        var dry = await provider.GetRequiredService<IStoreRetention>().ApplyRetentionAsync(options, dryRun: true, Cancel);
        var removed = await provider.GetRequiredService<IStoreRetention>().ApplyRetentionAsync(options, dryRun: false, Cancel);

        Assert.Equal((1L, 1L), (dry.WebhookDeliveries, removed.WebhookDeliveries));
        Assert.Null(await inbox.GetAsync(old, Cancel));
        Assert.NotNull(await inbox.GetAsync(waiting, Cancel));
        Assert.NotNull(await inbox.GetAsync(recent, Cancel));
    }
}
