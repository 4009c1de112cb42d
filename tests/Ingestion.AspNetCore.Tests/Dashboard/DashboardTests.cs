using System.Net;
using Ingestion.AspNetCore.Tests.Support;

namespace Ingestion.AspNetCore.Tests.Dashboard;

public sealed class DashboardTests : IAsyncLifetime
{
    private DashboardHost _host = null!;
    private DashboardClient _client = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _host = await DashboardHost.StartAsync(new DashboardHost.Settings { Dashboard = options => options.SyncNowMode = SyncNowMode.Interactive });
        _client = new DashboardClient(_host);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task The_streams_page_shows_each_stream_with_its_health_records_and_chart_after_a_sync()
    {
        await _host.SyncAsync("items");

        var html = await _client.GetPageAsync();

        Assert.Contains("data-stream=\"demo/items\" data-health=\"Healthy\"", html, StringComparison.Ordinal);
        Assert.Contains("data-stream=\"demo/people\" data-health=\"Unknown\"", html, StringComparison.Ordinal);
        Assert.Contains("<svg class=\"chart\"", html, StringComparison.Ordinal);
        Assert.Contains("aria-label=\"Last 1 runs: 0 failed, 3 records new or changed, 0 partial.\"", html, StringComparison.Ordinal);
        Assert.Contains("data-schedule=\"demo/items\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stream_error_is_shown_with_its_credentials_masked()
    {
        await _host.Get<IHealthStore>().SaveAsync(new StreamHealth
        {
            Stream = new StreamId("demo", "items"), Status = StreamHealthStatus.Unhealthy, ConsecutiveFailures = 3,
            LastError = "GET https://api.example.com/items?api_key=sk_live_123456 failed with Bearer abcdef123456",
        }, Cancel);

        var html = await _client.GetPageAsync();

        Assert.Contains("data-health=\"Unhealthy\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("sk_live_123456", html, StringComparison.Ordinal);
        Assert.DoesNotContain("abcdef123456", html, StringComparison.Ordinal);
        Assert.Contains("api_key=***", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_remote_request_without_a_policy_is_refused()
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, _host.Url("ingestion/"));
        request.Headers.Add(DashboardHost.RemoteHeader, "192.0.2.44");

        using var response = await http.SendAsync(request, Cancel);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains(_host.Logs.Lines, line => line.Contains("refused a request from anonymous from 192.0.2.44", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_post_without_the_antiforgery_token_is_refused_and_does_nothing()
    {
        var (status, body) = await _client.PostActionAsync("ingestion/", "sync", new Dictionary<string, string> { ["source"] = "demo", ["stream"] = "items" }, withToken: false);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("antiforgery", body, StringComparison.Ordinal);
        Assert.Empty(await _host.Get<IRunLog>().GetRecentAsync(null, 10, Cancel));
    }

    [Fact]
    public async Task Disabling_and_enabling_a_schedule_from_the_page_changes_the_store_and_is_logged_with_who_did_it()
    {
        var store = _host.Get<IScheduleStore>();
        Assert.True((await store.GetAsync("demo/people", Cancel))!.Enabled);

        var (status, body) = await _client.PostActionAsync("ingestion/", "schedule", new Dictionary<string, string> { ["name"] = "demo/people", ["enabled"] = "false" });

        Assert.Equal(HttpStatusCode.OK, status);
        var disabled = await store.GetAsync("demo/people", Cancel);
        Assert.False(disabled!.Enabled);
        Assert.Contains("by anonymous from 127.0.0.1", disabled.DisabledReason, StringComparison.Ordinal);
        Assert.Contains("Schedule demo/people disabled.", body, StringComparison.Ordinal);
        Assert.Contains("data-stream=\"demo/people\" data-health=\"Disabled\"", body, StringComparison.Ordinal);
        Assert.Contains("aria-label=\"Enable schedule demo/people\"", body, StringComparison.Ordinal);

        (status, body) = await _client.PostActionAsync("ingestion/", "schedule", new Dictionary<string, string> { ["name"] = "demo/people", ["enabled"] = "true" });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True((await store.GetAsync("demo/people", Cancel))!.Enabled);
        Assert.Contains("aria-label=\"Disable schedule demo/people\"", body, StringComparison.Ordinal);
        Assert.Contains(_host.Logs.Lines, line => line.Contains("Schedule demo/people disabled by anonymous from 127.0.0.1: done", StringComparison.Ordinal));
        Assert.Contains(_host.Logs.Lines, line => line.Contains("Schedule demo/people enabled by anonymous from 127.0.0.1: done", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sync_now_runs_the_stream_and_the_run_report_is_one_click_away()
    {
        var (status, body) = await _client.PostActionAsync("ingestion/", "sync", new Dictionary<string, string> { ["source"] = "demo", ["stream"] = "items" });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("Sync of demo/items finished: items Succeeded.", body, StringComparison.Ordinal);
        var run = Assert.Single(await _host.Get<IRunLog>().GetRecentAsync(null, 10, Cancel));
        var report = await _client.GetPageAsync($"ingestion/runs/{run.RunId}");
        Assert.Contains("<dt>New</dt><dd>3</dd>", report, StringComparison.Ordinal);
        Assert.Contains("<dt>Requests</dt><dd>1</dd>", report, StringComparison.Ordinal);
        var filtered = await _client.GetPageAsync("ingestion/runs?source=demo&stream=people&status=");
        Assert.Contains("id=\"no-runs\"", filtered, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dead_job_is_listed_and_requeued_from_the_queue_page()
    {
        var queue = _host.Get<IJobQueue>();
        var id = (await queue.EnqueueAsync(new JobRequest { JobType = "custom.export", MaxAttempts = 1, Payload = """{"to":"s3"}""" }, Cancel)).JobId;
        var claimed = Assert.Single(await queue.ClaimAsync(new ClaimRequest { WorkerId = "w", JobTypes = ["custom.export"] }, Cancel));
        await queue.FailAsync(id, claimed.LeaseToken, new JobFailure { Error = "bucket gone" }, Cancel);
        Assert.Contains("bucket gone", await _client.GetPageAsync("ingestion/queue"), StringComparison.Ordinal);

        var (status, body) = await _client.PostActionAsync("ingestion/queue", "requeue", new Dictionary<string, string> { ["jobId"] = id.ToString(System.Globalization.CultureInfo.InvariantCulture) });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains($"Job {id} is queued again.", body, StringComparison.Ordinal);
        Assert.Equal(JobStatus.Pending, (await queue.GetAsync(id, Cancel))!.Status);
    }

    [Fact]
    public async Task Retry_now_makes_a_waiting_partial_record_due_and_queues_a_retry_run()
    {
        var raw = _host.Get<IRawStore>();
        var stream = new StreamId("demo", "items");
        await raw.WriteBatchAsync(new RawBatch
        {
            Stream = stream, RunId = Guid.NewGuid(), FetchedAt = DateTimeOffset.UtcNow,
            Records = [new RawRecordWrite { Key = "9", Payload = "{}"u8.ToArray(), Hash = new ContentHash(ContentHashAlgorithm.Sha256, new byte[32]), IsPartial = true, IsRetryable = true, HttpStatusCode = 503, ErrorMessage = "HTTP 503" }],
        }, Cancel);
        var retryLog = _host.Get<IRetryLog>();
        await retryLog.RecordRetryAttemptAsync(new RetryAttempt { Stream = stream, Key = "9", Attempt = 1, AttemptedAt = DateTimeOffset.UtcNow, Succeeded = false, NextRetryAt = DateTimeOffset.UtcNow.AddDays(1), ErrorMessage = "HTTP 503 again" }, Cancel);
        Assert.Contains("HTTP 503 again", await _client.GetPageAsync("ingestion/retries"), StringComparison.Ordinal);

        var (status, body) = await _client.PostActionAsync("ingestion/retries", "retry", new Dictionary<string, string> { ["source"] = "demo", ["stream"] = "items", ["key"] = "9" });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("1 partial records of demo/items are due now", body, StringComparison.Ordinal);
        Assert.Single(await retryLog.GetRecordsNeedingRetryAsync(DateTimeOffset.UtcNow.AddSeconds(1), 10, Cancel));
        Assert.Contains(await _host.Get<IJobQueue>().GetJobsAsync(JobStatus.Pending, 10, Cancel), job => job.JobType == IngestionJobTypes.RetryPartials);
    }
}

public sealed class DashboardModesTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Read_only_mode_renders_no_action_and_refuses_posts()
    {
        await using var host = await DashboardHost.StartAsync(new DashboardHost.Settings { Dashboard = options => options.ReadOnly = true });
        using var client = new DashboardClient(host);

        var html = await client.GetPageAsync();
        Assert.DoesNotContain("<form class=\"inline\" method=\"post\"", html, StringComparison.Ordinal);
        Assert.Contains("Read-only", html, StringComparison.Ordinal);

        using var http = new HttpClient();
        using var response = await http.PostAsync(host.Url("ingestion/actions/sync"), new FormUrlEncodedContent(new Dictionary<string, string> { ["source"] = "demo" }), Cancel);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task With_an_authorization_policy_a_remote_request_is_let_in()
    {
        await using var host = await DashboardHost.StartAsync(new DashboardHost.Settings { DashboardPolicy = "ops" });
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, host.Url("ingestion/"));
        request.Headers.Add(DashboardHost.RemoteHeader, "192.0.2.44");

        using var response = await http.SendAsync(request, Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
