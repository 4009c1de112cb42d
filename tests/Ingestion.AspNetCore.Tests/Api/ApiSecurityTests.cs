using System.Net;
using Ingestion.AspNetCore.Tests.Support;

namespace Ingestion.AspNetCore.Tests.Api;

public sealed class ApiSecurityTests : IAsyncLifetime
{
    private const string OldSecret = "old-secret-4f1c2d9e8a7b";
    private const string NewSecret = "new-secret-9b8a7c6d5e4f";

    private DashboardHost _host = null!;
    private readonly HttpClient _http = new();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _host = await DashboardHost.StartAsync(new DashboardHost.Settings
    {
        // Two secrets at once: the rotation window.
        Api = api => { api.Secrets.Add(OldSecret); api.Secrets.Add(NewSecret); },
    });

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _host.DisposeAsync();
    }

    private HttpRequestMessage Request(HttpMethod method, string path, string? secret = null, string? remote = "203.0.113.7")
    {
        var request = new HttpRequestMessage(method, _host.Url(path));
        if (remote is not null)
        {
            request.Headers.Add(DashboardHost.RemoteHeader, remote);
        }

        if (secret is not null)
        {
            request.Headers.Add(IngestionApiOptions.DefaultSecretHeader, secret);
        }

        return request;
    }

    [Fact]
    public async Task A_remote_request_without_credentials_is_refused_and_queues_nothing()
    {
        using var response = await _http.SendAsync(Request(HttpMethod.Post, "ingestion/api/sync/demo"), Cancel);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(IngestionApiOptions.DefaultSecretHeader, await response.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.DoesNotContain((await _host.Get<IJobQueue>().GetStatsAsync(Cancel)).Counts, c => c.JobType == IngestionJobTypes.Sync);
    }

    [Fact]
    public async Task A_wrong_secret_is_401_even_from_this_machine()
    {
        using var remote = await _http.SendAsync(Request(HttpMethod.Post, "ingestion/api/sync/demo", secret: "not-the-secret"), Cancel);
        using var local = await _http.SendAsync(Request(HttpMethod.Get, "ingestion/api/health", secret: OldSecret + "x", remote: null), Cancel);

        Assert.Equal(HttpStatusCode.Unauthorized, remote.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, local.StatusCode);
    }

    [Fact]
    public async Task Either_secret_of_the_rotation_queues_a_sync_with_202_and_no_log_line_holds_a_secret()
    {
        using var withOld = await _http.SendAsync(Request(HttpMethod.Post, "ingestion/api/sync/demo?stream=items", secret: OldSecret), Cancel);
        using var withNew = await _http.SendAsync(Request(HttpMethod.Post, "ingestion/api/sync/demo?stream=people", secret: NewSecret), Cancel);
        using var wrong = await _http.SendAsync(Request(HttpMethod.Post, "ingestion/api/sync/demo", secret: NewSecret[..^1]), Cancel);

        Assert.Equal(HttpStatusCode.Accepted, withOld.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, withNew.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Contains("\"syncJobId\":", await withOld.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        var pending = await _host.Get<IJobQueue>().GetJobsAsync(JobStatus.Pending, 10, Cancel);
        Assert.Equal(2, pending.Count(job => job.JobType == IngestionJobTypes.Sync));

        var lines = _host.Logs.Lines;
        Assert.Contains(lines, line => line.Contains("requested by shared secret #1", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("requested by shared secret #2", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("matches no configured secret", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.Contains(OldSecret, StringComparison.Ordinal) || line.Contains(NewSecret[..^1], StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_local_request_reads_the_api_without_a_secret()
    {
        await _host.SyncAsync("items");

        using var runs = await _http.SendAsync(Request(HttpMethod.Get, "ingestion/api/runs", remote: null), Cancel);
        using var health = await _http.SendAsync(Request(HttpMethod.Get, "ingestion/api/health", remote: null), Cancel);
        using var queue = await _http.SendAsync(Request(HttpMethod.Get, "ingestion/api/queue", remote: null), Cancel);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK), (runs.StatusCode, health.StatusCode, queue.StatusCode));
        Assert.Contains("\"status\":\"Succeeded\"", await runs.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.Contains("\"stats\":", await queue.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_machine_caller_disables_and_enables_a_schedule_and_requeues_a_dead_job()
    {
        using var disable = await _http.SendAsync(Request(HttpMethod.Post, "ingestion/api/schedules/disable?name=demo%2Fpeople", secret: NewSecret), Cancel);
        Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
        var schedule = await _host.Get<IScheduleStore>().GetAsync("demo/people", Cancel);
        Assert.False(schedule!.Enabled);
        Assert.Contains("by shared secret #2", schedule.DisabledReason, StringComparison.Ordinal);

        using var enable = await _http.SendAsync(Request(HttpMethod.Post, "ingestion/api/schedules/enable?name=demo%2Fpeople", secret: NewSecret), Cancel);
        using var unknown = await _http.SendAsync(Request(HttpMethod.Post, "ingestion/api/schedules/enable?name=nope", secret: NewSecret), Cancel);
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.NotFound), (enable.StatusCode, unknown.StatusCode));
        Assert.True((await _host.Get<IScheduleStore>().GetAsync("demo/people", Cancel))!.Enabled);

        var queue = _host.Get<IJobQueue>();
        var id = (await queue.EnqueueAsync(new JobRequest { JobType = "custom.export", MaxAttempts = 1 }, Cancel)).JobId;
        var claimed = Assert.Single(await queue.ClaimAsync(new ClaimRequest { WorkerId = "w", JobTypes = ["custom.export"] }, Cancel));
        await queue.FailAsync(id, claimed.LeaseToken, new JobFailure { Error = "gone" }, Cancel);

        using var requeue = await _http.SendAsync(Request(HttpMethod.Post, $"ingestion/api/jobs/{id}/requeue", secret: OldSecret), Cancel);
        using var again = await _http.SendAsync(Request(HttpMethod.Post, $"ingestion/api/jobs/{id}/requeue", secret: OldSecret), Cancel);
        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Conflict), (requeue.StatusCode, again.StatusCode));
        Assert.Equal(JobStatus.Pending, (await queue.GetAsync(id, Cancel))!.Status);
    }

    [Fact]
    public async Task A_cross_site_post_from_a_browser_on_this_machine_is_refused()
    {
        var request = Request(HttpMethod.Post, "ingestion/api/sync/demo", remote: null);
        request.Headers.Add("Origin", "https://evil.example");
        using var response = await _http.SendAsync(request, Cancel);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.DoesNotContain(await _host.Get<IJobQueue>().GetJobsAsync(JobStatus.Pending, 10, Cancel), job => job.JobType == IngestionJobTypes.Sync);
    }
}

public sealed class ApiWithoutSecretsTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Without_secrets_a_remote_request_is_forbidden_and_a_local_one_syncs()
    {
        await using var host = await DashboardHost.StartAsync();
        using var http = new HttpClient();
        var remote = new HttpRequestMessage(HttpMethod.Post, host.Url("ingestion/api/sync/demo?stream=items&mode=interactive"));
        remote.Headers.Add(DashboardHost.RemoteHeader, "198.51.100.20");
        var local = new HttpRequestMessage(HttpMethod.Post, host.Url("ingestion/api/sync/demo?stream=items&mode=interactive"));

        using var refused = await http.SendAsync(remote, Cancel);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Empty(await host.Get<IRunLog>().GetRecentAsync(null, 10, Cancel));

        using var synced = await http.SendAsync(local, Cancel);
        Assert.Equal(HttpStatusCode.OK, synced.StatusCode);
        Assert.Equal(RunStatus.Succeeded, Assert.Single(await host.Get<IRunLog>().GetRecentAsync(null, 10, Cancel)).Status);
    }
}
