using Ingestion.Queue.Internal;

namespace Ingestion.Tests.Queue;

public sealed class JobPayloadTests
{
    [Fact]
    public void Sync_payload_round_trips()
    {
        var payload = new SyncJobPayload
        {
            Source = "employes",
            Stream = "employees",
            Trigger = "schedule",
            IgnoreCheckpoint = true,
            Parameters = new Dictionary<string, string> { ["from"] = "2025-01-01" },
        };

        var read = SyncJobPayload.Parse(payload.ToJson());

        Assert.Equal("employes", read.Source);
        Assert.Equal("employees", read.Stream);
        Assert.Equal("schedule", read.Trigger);
        Assert.True(read.IgnoreCheckpoint);
        Assert.Equal("2025-01-01", read.Parameters["from"]);
    }

    [Fact]
    public void Sync_payload_without_stream_means_the_whole_source()
    {
        var read = SyncJobPayload.Parse("""{"source":"jibble"}""");

        Assert.Equal("jibble", read.Source);
        Assert.Null(read.Stream);
        Assert.Equal("manual", read.Trigger);
    }

    [Fact]
    public void Derive_and_webhook_payloads_round_trip()
    {
        var derive = DeriveJobPayload.Parse(new DeriveJobPayload { Stream = new StreamId("s", "t"), Keys = ["1", "2"] }.ToJson());
        var webhook = WebhookJobPayload.Parse(new WebhookJobPayload { Source = "s", InboxId = 42 }.ToJson());

        Assert.Equal(new StreamId("s", "t"), derive.Stream);
        Assert.Equal(["1", "2"], derive.Keys);
        Assert.Equal(42, webhook.InboxId);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""{"stream":"x"}""")]
    public void Bad_payloads_are_format_errors(string json)
    {
        Assert.Throws<FormatException>(() => SyncJobPayload.Parse(json));
    }
}
