using System.Security.Cryptography;
using System.Text;
using Ingestion.Queue.Internal;
using Ingestion.Tests.Running;
using Ingestion.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Ingestion.Tests.Webhooks;

public sealed class WebhookReceiverTests : IAsyncDisposable
{
    private const string Secret = "whsec-current";
    private const string OldSecret = "whsec-previous";
    private static readonly byte[] Body = """{"event":"employee.updated","id":"42"}"""u8.ToArray();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly RecordingJobQueue _queue = new();
    private readonly ServiceProvider _provider;

    public WebhookReceiverTests()
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddSingleton<IJobQueue>(_queue);
        services.AddIngestion(ingestion => ingestion
            .AddWebhook("shop", options =>
            {
                options.SignatureHeader = "X-Hub-Signature-256";
                options.SignaturePrefix = "sha256=";
                options.Secrets.Add(Secret);
                options.Secrets.Add(OldSecret);
                options.DeliveryIdHeader = "X-Delivery";
                options.EventTypeHeader = "X-Event";
            })
            .AddWebhook("stamped", options =>
            {
                options.SignatureHeader = "X-Signature";
                options.SignatureEncoding = WebhookSignatureEncoding.Base64;
                options.TimestampHeader = "X-Timestamp";
                options.SignedContentPrefix = "{timestamp}.";
                options.Secrets.Add(Secret);
            })
            .AddWebhook("legacy", options =>
            {
                options.Algorithm = WebhookSignatureAlgorithm.HmacSha1;
                options.SignatureEncoding = WebhookSignatureEncoding.Base64;
                options.Secrets.Add(Secret);
            })
            .AddWebhook("strong", options =>
            {
                options.Algorithm = WebhookSignatureAlgorithm.HmacSha512;
                options.SignaturePrefix = "sha512=";
                options.Secrets.Add(Secret);
            }));
        _provider = services.BuildServiceProvider();
    }

    private IWebhookReceiver Receiver => _provider.GetRequiredService<IWebhookReceiver>();

    private IWebhookInbox Inbox => _provider.GetRequiredService<IWebhookInbox>();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_valid_delivery_is_stored_and_its_job_enqueued()
    {
        var receipt = await Receiver.ReceiveAsync("shop", Headers(("X-Hub-Signature-256", "sha256=" + Hex(Secret, Body)), ("X-Delivery", "d-1"), ("X-Event", "employee.updated"), ("Authorization", "Bearer hunter2")), Body, Cancel);

        Assert.True(receipt.Accepted);
        Assert.Equal(202, receipt.StatusCode);
        var entry = await Inbox.GetAsync(receipt.InboxId!.Value, Cancel);
        Assert.NotNull(entry);
        Assert.True(entry.SignatureValid);
        Assert.Equal(Body, entry.Body.ToArray());
        Assert.Equal("d-1", entry.DeliveryId);
        Assert.Equal("employee.updated", entry.EventType);
        Assert.Equal(receipt.JobId, entry.JobId);
        Assert.False(entry.Headers.ContainsKey("Authorization"));
        var job = Assert.Single(_queue.Enqueued);
        Assert.Equal(IngestionJobTypes.Webhook, job.JobType);
        Assert.Equal(entry.Id, WebhookJobPayload.Parse(job.Payload).InboxId);
    }

    [Fact]
    public async Task A_tampered_body_is_refused_recorded_with_the_reason_and_not_kept()
    {
        var tampered = """{"event":"employee.updated","id":"43"}"""u8.ToArray();

        var receipt = await Receiver.ReceiveAsync("shop", Headers(("X-Hub-Signature-256", "sha256=" + Hex(Secret, Body)), ("X-Delivery", "d-1")), tampered, Cancel);

        Assert.False(receipt.Accepted);
        Assert.Equal(WebhookRejectionReason.SignatureMismatch, receipt.Rejection);
        Assert.Equal(401, receipt.StatusCode);
        var entry = await Inbox.GetAsync(receipt.InboxId!.Value, Cancel);
        Assert.NotNull(entry);
        Assert.False(entry.SignatureValid);
        Assert.True(entry.Body.IsEmpty);
        Assert.NotNull(entry.ProcessedAt);
        Assert.Null(entry.DeliveryId);
        Assert.Contains("SignatureMismatch", entry.Error, StringComparison.Ordinal);
        Assert.Empty(_queue.Enqueued);
    }

    [Fact]
    public async Task A_forged_delivery_does_not_block_the_genuine_one_with_the_same_id()
    {
        await Receiver.ReceiveAsync("shop", Headers(("X-Hub-Signature-256", "sha256=" + Hex("guess", Body)), ("X-Delivery", "d-7")), Body, Cancel);

        var genuine = await Receiver.ReceiveAsync("shop", Headers(("X-Hub-Signature-256", "sha256=" + Hex(Secret, Body)), ("X-Delivery", "d-7")), Body, Cancel);

        Assert.True(genuine.Accepted);
        Assert.False(genuine.Duplicate);
    }

    [Fact]
    public async Task A_wrong_secret_is_refused()
    {
        var receipt = await Receiver.ReceiveAsync("shop", Headers(("X-Hub-Signature-256", "sha256=" + Hex("not-the-secret", Body))), Body, Cancel);

        Assert.Equal(WebhookRejectionReason.SignatureMismatch, receipt.Rejection);
        Assert.Empty(_queue.Enqueued);
    }

    [Fact]
    public async Task The_old_secret_is_accepted_during_rotation()
    {
        var receipt = await Receiver.ReceiveAsync("shop", Headers(("x-hub-signature-256", "SHA256=" + Hex(OldSecret, Body).ToUpperInvariant())), Body, Cancel);

        Assert.True(receipt.Accepted);
        Assert.Single(_queue.Enqueued);
    }

    [Fact]
    public async Task A_missing_signature_header_is_refused()
    {
        var receipt = await Receiver.ReceiveAsync("shop", Headers(("X-Delivery", "d-1")), Body, Cancel);

        Assert.Equal(WebhookRejectionReason.MissingSignature, receipt.Rejection);
        Assert.Contains("X-Hub-Signature-256", receipt.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signature_without_the_configured_prefix_is_malformed()
    {
        var receipt = await Receiver.ReceiveAsync("shop", Headers(("X-Hub-Signature-256", Hex(Secret, Body))), Body, Cancel);

        Assert.Equal(WebhookRejectionReason.MalformedSignature, receipt.Rejection);
    }

    [Fact]
    public async Task A_timestamp_inside_the_window_is_accepted_and_one_outside_is_refused()
    {
        var fresh = _time.GetUtcNow().AddMinutes(-4).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var expired = _time.GetUtcNow().AddMinutes(-6).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

        var ok = await Receiver.ReceiveAsync("stamped", Headers(("X-Signature", Base64(Secret, fresh + ".", Body)), ("X-Timestamp", fresh)), Body, Cancel);
        var replay = await Receiver.ReceiveAsync("stamped", Headers(("X-Signature", Base64(Secret, expired + ".", Body)), ("X-Timestamp", expired)), Body, Cancel);
        var swapped = await Receiver.ReceiveAsync("stamped", Headers(("X-Signature", Base64(Secret, expired + ".", Body)), ("X-Timestamp", fresh)), Body, Cancel);

        Assert.True(ok.Accepted);
        Assert.Equal(WebhookRejectionReason.TimestampOutsideTolerance, replay.Rejection);
        Assert.Equal(WebhookRejectionReason.SignatureMismatch, swapped.Rejection);
    }

    [Fact]
    public async Task A_missing_or_unreadable_timestamp_is_refused()
    {
        var signature = Base64(Secret, "1.", Body);

        var missing = await Receiver.ReceiveAsync("stamped", Headers(("X-Signature", signature)), Body, Cancel);
        var unreadable = await Receiver.ReceiveAsync("stamped", Headers(("X-Signature", signature), ("X-Timestamp", "yesterday")), Body, Cancel);

        Assert.Equal(WebhookRejectionReason.MissingTimestamp, missing.Rejection);
        Assert.Equal(WebhookRejectionReason.MalformedTimestamp, unreadable.Rejection);
    }

    [Fact]
    public async Task Sha1_base64_and_sha512_hex_signatures_verify()
    {
        var sha1 = Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(Secret), Body));
        var sha512 = Convert.ToHexStringLower(HMACSHA512.HashData(Encoding.UTF8.GetBytes(Secret), Body));

        var legacy = await Receiver.ReceiveAsync("legacy", Headers(("X-Signature", sha1)), Body, Cancel);
        var strong = await Receiver.ReceiveAsync("strong", Headers(("X-Signature", "sha512=" + sha512)), Body, Cancel);
        var wrongAlgorithm = await Receiver.ReceiveAsync("strong", Headers(("X-Signature", "sha512=" + Hex(Secret, Body))), Body, Cancel);

        Assert.True(legacy.Accepted);
        Assert.True(strong.Accepted);
        Assert.Equal(WebhookRejectionReason.MalformedSignature, wrongAlgorithm.Rejection);
    }

    [Fact]
    public async Task A_redelivery_with_the_same_id_is_processed_once()
    {
        var headers = Headers(("X-Hub-Signature-256", "sha256=" + Hex(Secret, Body)), ("X-Delivery", "d-9"));

        var first = await Receiver.ReceiveAsync("shop", headers, Body, Cancel);
        var second = await Receiver.ReceiveAsync("shop", headers, Body, Cancel);

        Assert.False(first.Duplicate);
        Assert.True(second.Duplicate);
        Assert.Equal(200, second.StatusCode);
        Assert.Equal(first.InboxId, second.InboxId);
        Assert.Single(_queue.Enqueued);
    }

    [Fact]
    public async Task An_unknown_source_is_refused_and_not_recorded()
    {
        var receipt = await Receiver.ReceiveAsync("nobody", Headers(("X-Signature", "00")), Body, Cancel);

        Assert.Equal(WebhookRejectionReason.UnknownSource, receipt.Rejection);
        Assert.Equal(404, receipt.StatusCode);
        Assert.Empty(await Inbox.GetRecentAsync(null, 10, Cancel));
    }

    [Fact]
    public async Task The_job_handler_processes_a_verified_delivery_once()
    {
        var processor = new RecordingProcessor("shop");
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddSingleton<IJobQueue>(_queue);
        services.AddIngestion(ingestion => ingestion.AddWebhook("shop", o => o.Secrets.Add(Secret)));
        services.AddSingleton<IWebhookProcessor>(processor);
        await using var provider = services.BuildServiceProvider();
        var receipt = await provider.GetRequiredService<IWebhookReceiver>().ReceiveAsync("shop", Headers(("X-Signature", Hex(Secret, Body))), Body, Cancel);
        var handler = provider.GetServices<IJobHandler>().Single(h => h.JobType == IngestionJobTypes.Webhook);
        var job = RecordingJobQueue.Claimed(Assert.Single(_queue.Enqueued));

        await handler.HandleAsync(job, Cancel);
        await handler.HandleAsync(job, Cancel);

        Assert.Equal([receipt.InboxId!.Value], processor.Processed);
        var entry = await provider.GetRequiredService<IWebhookInbox>().GetAsync(receipt.InboxId.Value, Cancel);
        Assert.Equal(_time.GetUtcNow(), entry!.ProcessedAt);
        Assert.Null(entry.Error);
    }

    [Fact]
    public async Task A_source_without_secrets_stops_start_up_naming_the_option()
    {
        var builder = Host.CreateApplicationBuilder();
        var stores = new InTestStores();
        builder.Services.AddSingleton<IJobQueue>(_queue);
        builder.Services.AddSingleton<IRawStore>(stores).AddSingleton<ISyncStateStore>(stores).AddSingleton<IRunLog>(stores).AddSingleton<IHealthStore>(stores);
        builder.Services.AddIngestion(ingestion => ingestion.AddWebhook("shop", o => o.TimestampTolerance = TimeSpan.Zero));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Cancel));

        Assert.Contains("'shop'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Secrets", error.Message, StringComparison.Ordinal);
        Assert.Contains("TimestampTolerance", error.Message, StringComparison.Ordinal);
    }

    public ValueTask DisposeAsync() => _provider.DisposeAsync();

    private static IEnumerable<KeyValuePair<string, string>> Headers(params (string Name, string Value)[] headers) =>
        headers.Select(h => KeyValuePair.Create(h.Name, h.Value));

    private static string Hex(string secret, byte[] body) => Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    private static string Base64(string secret, string prefix, byte[] body) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(prefix).Concat(body).ToArray()));

    private sealed class RecordingProcessor(string source) : IWebhookProcessor
    {
        public List<long> Processed { get; } = [];

        public string Source => source;

        public ValueTask ProcessAsync(WebhookInboxEntry delivery, CancellationToken cancellationToken)
        {
            Processed.Add(delivery.Id);
            return ValueTask.CompletedTask;
        }
    }
}
