using System.Globalization;
using Ingestion.Samples.Cli.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Npgsql;

namespace Ingestion.Samples.Cli.Tests;

/// <summary>
/// What the run log and the exit code say when a run does not end normally: a sync process killed mid-run, and PostgreSQL
/// stopped mid-run (briefly, and for longer than the run waits). The sync is the real CLI, as a child process where it must die.
/// </summary>
public sealed class RunLifecycleTests(PostgresFixture postgres)
{
    private const int PageSize = 2;
    private const int TotalItems = 6;

    [Fact]
    public async Task A_sync_process_killed_mid_run_is_closed_as_abandoned_by_the_next_run_and_counted_in_health()
    {
        var connectionString = await postgres.CreateDatabaseAsync("cli_killed");
        var secondPageRequested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hang = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var api = await StartItemsApiAsync(async page =>
        {
            if (page == 2 && !hang.Task.IsCompleted)
            {
                secondPageRequested.TrySetResult();
                await hang.Task;
            }
        });
        var configuration = Configuration(api, connectionString);

        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using (var process = CliProcess.Start(configuration, output, "sync", "--source", "shop"))
        {
            var exited = process.WaitForExitAsync(TestContext.Current.CancellationToken);
            var first = await Task.WhenAny(secondPageRequested.Task, exited);
            Assert.True(first == secondPageRequested.Task, $"The CLI exited before its second page (exit {(process.HasExited ? process.ExitCode : -1)}):\n{string.Join('\n', output)}");
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        hang.TrySetResult();
        Assert.Equal(["running"], await StatusesAsync(connectionString));

        var next = await CliRunner.RunAsync(configuration, "sync", "--source", "shop");

        // The killed run committed its first page with a checkpoint: the next run resumes there and says so.
        AssertResumedAndSucceeded(next);
        Assert.Equal(["abandoned", "succeeded"], await StatusesAsync(connectionString));
        var abandoned = await QueryAsync(connectionString, "SELECT completed_at = last_seen_at AND completed_at IS NOT NULL, issues::text FROM ingestion.runs WHERE status = 'abandoned'", r => (r.GetBoolean(0), r.GetString(1)));
        Assert.True(abandoned.Single().Item1);
        Assert.Contains("RunAbandoned", abandoned.Single().Item2, StringComparison.Ordinal);
        var health = await QueryAsync(connectionString, "SELECT status, last_failure_at IS NOT NULL, last_error FROM ingestion.stream_health", r => (r.GetString(0), r.GetBoolean(1), r.GetString(2)));
        Assert.Equal("healthy", health.Single().Item1.ToLowerInvariant());
        Assert.True(health.Single().Item2);
        Assert.Contains("stopped without finishing", health.Single().Item3, StringComparison.Ordinal);
        Assert.Equal(TotalItems, await CountRecordsAsync(connectionString));

        var runs = await CliRunner.RunAsync(configuration, "runs", "--source", "shop");
        Assert.Contains("Abandoned", runs.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_database_restart_mid_run_is_waited_out_and_the_run_succeeds()
    {
        await using var server = await LocalPostgresServer.StartThrowawayAsync(TestContext.Current.CancellationToken);
        var connectionString = await server.CreateDatabaseAsync("cli_restart", TestContext.Current.CancellationToken);
        await using var api = await StartItemsApiAsync(async page =>
        {
            if (page == 2)
            {
                await server.StopAsync();
                await server.StartAgainAsync();
            }
        });

        var result = await CliRunner.RunAsync(Configuration(api, connectionString, storeOutageTolerance: "00:00:30"), "sync", "--source", "shop");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Equal(["succeeded"], await StatusesAsync(connectionString));
        Assert.Equal(TotalItems, await CountRecordsAsync(connectionString));
    }

    [Fact]
    public async Task A_database_outage_longer_than_the_run_waits_fails_the_run_with_exit_69_and_loses_nothing()
    {
        await using var server = await LocalPostgresServer.StartThrowawayAsync(TestContext.Current.CancellationToken);
        var connectionString = await server.CreateDatabaseAsync("cli_outage", TestContext.Current.CancellationToken);
        var down = false;
        await using var api = await StartItemsApiAsync(async page =>
        {
            if (page == 2 && !down)
            {
                down = true;
                await server.StopAsync();
            }
        });
        var configuration = Configuration(api, connectionString, storeOutageTolerance: "00:00:01");

        var result = await CliRunner.RunAsync(configuration, "sync", "--source", "shop");

        Assert.True(result.ExitCode == ExitCodes.Unavailable, result.ToString());
        Assert.Matches(@"shop/items\s*│\s*Failed", result.Output);
        Assert.Contains("database became unavailable", result.Output, StringComparison.Ordinal);

        await server.StartAgainAsync(TestContext.Current.CancellationToken);
        NpgsqlConnection.ClearAllPools();
        var next = await CliRunner.RunAsync(configuration, "sync", "--source", "shop");

        AssertResumedAndSucceeded(next);
        Assert.Equal(["abandoned", "succeeded"], await StatusesAsync(connectionString));
        Assert.Equal(TotalItems, await CountRecordsAsync(connectionString));
    }

    private static void AssertResumedAndSucceeded(CliResult result)
    {
        Assert.True(result.ExitCode == ExitCodes.CompletedWithIssues, result.ToString());
        Assert.Matches(@"shop/items\s*│\s*Succeeded", result.Output);
        Assert.Contains("resumed from the checkpoint of an earlier run", result.Output, StringComparison.Ordinal);
    }

    // GET /v1/items?page=N pages TotalItems items PageSize at a time; beforeAnswer runs before each page is answered.
    private static Task<TestHttpServer> StartItemsApiAsync(Func<int, Task> beforeAnswer) => TestHttpServer.StartAsync(app =>
        app.MapGet("/v1/items", async (HttpContext context) =>
        {
            var page = int.Parse(context.Request.Query["page"]!, CultureInfo.InvariantCulture);
            await beforeAnswer(page);
            var items = Enumerable.Range(((page - 1) * PageSize) + 1, PageSize).Where(i => i <= TotalItems).Select(i => new { id = $"i-{i}" });
            return Results.Json(new { data = items });
        }));

    private static Dictionary<string, string?> Configuration(TestHttpServer api, string connectionString, string? storeOutageTolerance = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Ingestion"] = connectionString,
            ["Ingestion:Runner:AbandonRunsAfter"] = "00:00:00.001",

            // Every page is committed before the next is fetched, so a run stopped at page 2 leaves page 1's checkpoint.
            ["Ingestion:Runner:BatchDelay"] = "00:00:00",
            ["Ingestion:Sources:shop:BaseAddress"] = api.BaseAddress.AbsoluteUri,
            ["Ingestion:Sources:shop:Resilience:MaxRetries"] = "0",
            ["Ingestion:Sources:shop:Streams:items:Path"] = "v1/items",
            ["Ingestion:Sources:shop:Streams:items:Records"] = "$.data",
            ["Ingestion:Sources:shop:Streams:items:Paginator:Kind"] = "PageNumber",
            ["Ingestion:Sources:shop:Streams:items:Paginator:PageParameter"] = "page",
            ["Ingestion:Sources:shop:Streams:items:Paginator:PageSize"] = PageSize.ToString(CultureInfo.InvariantCulture),
        };
        if (storeOutageTolerance is not null)
        {
            settings["Ingestion:Runner:StoreOutageTolerance"] = storeOutageTolerance;
        }

        return settings;
    }

    private static async Task<List<string>> StatusesAsync(string connectionString) =>
        await QueryAsync(connectionString, "SELECT status FROM ingestion.runs ORDER BY started_at", r => r.GetString(0));

    private static async Task<long> CountRecordsAsync(string connectionString) =>
        (await QueryAsync(connectionString, "SELECT count(*) FROM ingestion.raw_records WHERE is_latest AND NOT is_partial", r => r.GetInt64(0))).Single();

    private static Task<List<T>> QueryAsync<T>(string connectionString, string sql, Func<NpgsqlDataReader, T> read) =>
        CliProcess.QueryAsync(connectionString, sql, read);
}
