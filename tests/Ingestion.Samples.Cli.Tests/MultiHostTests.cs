using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Ingestion.Samples.Cli.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Ingestion.Samples.Cli.Tests;

/// <summary>
/// Three hosts (<c>work</c> processes of the real CLI) on one database: migrations run once when they start together, each
/// schedule slot fires once, the hosts share the jobs, a stream is never synced by two of them at once, and a host killed
/// mid-run loses nothing. Every wait is for a signal, from the test's vendor API or a line a host logs, bounded by
/// <see cref="Bound"/>; a host that never gets there fails the test with the lines the hosts wrote.
/// </summary>
public sealed class MultiHostTests(PostgresFixture postgres)
{
    private const int PageSize = 2;
    private const int TotalItems = 6;
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);
    private static readonly string[] Streams = ["a", "b", "c"];

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Three_hosts_migrate_once_fire_each_slot_once_share_the_jobs_and_never_sync_one_stream_twice_at_once()
    {
        var connectionString = await postgres.CreateDatabaseAsync("multi_host_schedules");
        var allThreeHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var heldStreams = new ConcurrentDictionary<string, bool>();
        var holdingA = 0;
        var aHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseA = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runsPerStream = new ConcurrentDictionary<string, int>();
        var fourRunsEach = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var api = await StartApiAsync(async (stream, page, aborted) =>
        {
            if (page != 1)
            {
                return;
            }

            if (runsPerStream.AddOrUpdate(stream, 1, (_, count) => count + 1) >= 4 && Streams.All(s => runsPerStream.GetValueOrDefault(s) >= 4))
            {
                fourRunsEach.TrySetResult();
            }

            // Each host runs one sync at a time, so three streams held at once are three hosts at work.
            if (!allThreeHeld.Task.IsCompleted)
            {
                heldStreams[stream] = true;
                if (heldStreams.Count == Streams.Length)
                {
                    allThreeHeld.TrySetResult();
                }

                await allThreeHeld.Task.WaitAsync(aborted);
            }
            else if (stream == "a" && Interlocked.CompareExchange(ref holdingA, 1, 0) == 0)
            {
                aHeld.TrySetResult();
                await releaseA.Task.WaitAsync(aborted);
            }
        });
        // Leases outlast the held requests, so that the hold on stream a is never taken from it.
        var configuration = Configuration(api, connectionString, Streams, abandonRunsAfter: "00:01:00");
        foreach (var stream in Streams)
        {
            configuration[$"Ingestion:Schedules:shop-{stream}:Source"] = "shop";
            configuration[$"Ingestion:Schedules:shop-{stream}:Stream"] = stream;
            configuration[$"Ingestion:Schedules:shop-{stream}:Cron"] = "*/2 * * * * *";
        }

        await using var hosts = await Hosts.StartAsync(configuration, count: 3);
        var skippedA = hosts.WhenLine(line => line.Contains("shop/a did not start", StringComparison.Ordinal));

        await hosts.Within(allThreeHeld.Task, "three streams held at once by three hosts");
        await hosts.Within(aHeld.Task, "a later run of stream a");
        await hosts.Within(skippedA, "a run of stream a skipped because another host held it");
        releaseA.TrySetResult();
        await hosts.Within(fourRunsEach.Task, "four runs of every stream");
        await hosts.DisposeAsync();

        Assert.Equal(Streams.Length, hosts.Lines.Count(line => line.Contains("Working as", StringComparison.Ordinal)));
        var migrations = hosts.Lines.Count(line => line.Contains("Applied migration", StringComparison.Ordinal));
        var scripts = (await CliProcess.QueryAsync(connectionString, "SELECT count(*), count(DISTINCT version) FROM ingestion.schema_migrations", r => (r.GetInt64(0), r.GetInt64(1)))).Single();
        Assert.Equal(scripts.Item1, scripts.Item2);
        Assert.Equal(scripts.Item1, migrations);

        var slots = await CliProcess.QueryAsync(
            connectionString,
            """
            SELECT payload->>'schedule', payload->>'scheduledAt' FROM ingestion.jobs WHERE payload->>'trigger' = 'schedule'
            UNION ALL
            SELECT payload->>'schedule', payload->>'scheduledAt' FROM ingestion.job_history WHERE payload->>'trigger' = 'schedule'
            """,
            r => (Schedule: r.GetString(0), Slot: r.GetString(1)));
        Assert.True(slots.Count >= 4 * Streams.Length, $"{slots.Count} scheduled jobs.");
        Assert.All(slots.GroupBy(slot => slot), group => Assert.Single(group));

        var workers = await CliProcess.QueryAsync(connectionString, "SELECT DISTINCT locked_by FROM ingestion.job_history WHERE job_type = 'ingestion.sync'", r => r.GetString(0));
        Assert.Equal(3, workers.Count);

        foreach (var stream in Streams)
        {
            var runs = await CliProcess.QueryAsync(
                connectionString,
                $"SELECT run_id, started_at, completed_at FROM ingestion.runs WHERE source = 'shop' AND stream = '{stream}' ORDER BY started_at",
                r => (Id: r.GetGuid(0), Started: r.GetFieldValue<DateTimeOffset>(1), Completed: r.IsDBNull(2) ? DateTimeOffset.MaxValue : r.GetFieldValue<DateTimeOffset>(2)));
            Assert.True(runs.Count >= 2, $"Stream {stream} ran {runs.Count} times.");
            foreach (var (earlier, later) in runs.Zip(runs.Skip(1)))
            {
                Assert.True(earlier.Completed <= later.Started, $"Runs {earlier.Id} and {later.Id} of stream {stream} overlap.");
            }
        }
    }

    [Fact]
    public async Task A_host_killed_mid_run_loses_nothing_and_another_host_redoes_the_run_once()
    {
        var connectionString = await postgres.CreateDatabaseAsync("multi_host_kill");
        var secondPageAsked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstPages = 0;
        var secondPages = 0;
        await using var api = await StartApiAsync(async (_, page, aborted) =>
        {
            if (page == 1)
            {
                Interlocked.Increment(ref firstPages);
            }
            else if (page == 2 && Interlocked.Increment(ref secondPages) == 1)
            {
                secondPageAsked.TrySetResult();
                await Task.Delay(Timeout.Infinite, aborted);
            }
        });
        var configuration = Configuration(api, connectionString, ["items"], abandonRunsAfter: "00:00:04");
        await using var hosts = await Hosts.StartAsync(configuration, count: 3);
        var abandoned = hosts.WhenLine(line => line.Contains("of shop/items was last seen at", StringComparison.Ordinal) && line.Contains("closed as abandoned", StringComparison.Ordinal));
        var succeeded = hosts.WhenLine(line => line.Contains("of shop/items ended Succeeded", StringComparison.Ordinal));

        await using (var client = new ServiceCollection().AddIngestion(ingestion => ingestion.UsePostgres(connectionString)).BuildServiceProvider())
        {
            await client.GetRequiredService<IJobQueue>().EnqueueAsync(
                new JobRequest { JobType = IngestionJobTypes.Sync, Payload = """{"source":"shop","stream":"items","trigger":"manual"}""" }, Cancel);
        }

        await hosts.Within(secondPageAsked.Task, "the second page of the sync");
        var holder = (await CliProcess.QueryAsync(connectionString, "SELECT holder FROM ingestion.stream_leases", r => r.GetString(0))).Single();
        var pid = int.Parse(holder[(holder.LastIndexOf('/') + 1)..], CultureInfo.InvariantCulture);
        hosts.Kill(pid);

        await hosts.Within(succeeded, "a run of the stream that succeeded on another host");
        await hosts.Within(abandoned, "the killed run closed as abandoned");
        await hosts.DisposeAsync();

        Assert.Equal(["abandoned", "succeeded"], await CliProcess.QueryAsync(connectionString, "SELECT status FROM ingestion.runs ORDER BY started_at", r => r.GetString(0)));
        var records = await CliProcess.QueryAsync(connectionString, "SELECT count(*), count(*) FILTER (WHERE is_latest AND NOT is_partial), count(DISTINCT key) FROM ingestion.raw_records", r => (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2)));
        Assert.Equal((TotalItems, TotalItems, TotalItems), records.Single());
        // The killed run committed page 1 with its checkpoint: the run that took over resumed at page 2, which was asked twice.
        Assert.Equal((1, 2), (Volatile.Read(ref firstPages), Volatile.Read(ref secondPages)));
        // The hosts were stopped once the run had ended, which may be before its job was marked complete: only a dead job would be wrong.
        Assert.Empty(await CliProcess.QueryAsync(connectionString, "SELECT id FROM ingestion.job_history WHERE job_type = 'ingestion.sync' AND status = 'dead'", r => r.GetInt64(0)));
    }

    // GET /v1/{stream}?page=N pages TotalItems items PageSize at a time; beforeAnswer runs before each page is answered.
    private static Task<TestHttpServer> StartApiAsync(Func<string, int, CancellationToken, Task> beforeAnswer) => TestHttpServer.StartAsync(app =>
        app.MapGet("/v1/{stream}", async (string stream, HttpContext context) =>
        {
            var page = int.Parse(context.Request.Query["page"]!, CultureInfo.InvariantCulture);
            await beforeAnswer(stream, page, context.RequestAborted);
            var items = Enumerable.Range(((page - 1) * PageSize) + 1, PageSize).Where(i => i <= TotalItems).Select(i => new { id = $"{stream}-{i}" });
            return Results.Json(new { data = items });
        }));

    // Short job leases and intervals, so that a dead host's work moves on within seconds; one sync at a time per host.
    private static Dictionary<string, string?> Configuration(TestHttpServer api, string connectionString, IEnumerable<string> streams, string abandonRunsAfter)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Ingestion"] = connectionString,
            ["Ingestion:Runner:RunHeartbeatInterval"] = "00:00:01",
            ["Ingestion:Runner:AbandonRunsAfter"] = abandonRunsAfter,

            // Every page is committed before the next is fetched, so a run stopped at page 2 leaves page 1's checkpoint.
            ["Ingestion:Runner:BatchDelay"] = "00:00:00",
            ["Ingestion:Worker:DefaultConcurrency"] = "1",
            ["Ingestion:Worker:LeaseDuration"] = "00:00:06",
            ["Ingestion:Worker:HeartbeatInterval"] = "00:00:01",
            ["Ingestion:Worker:RescueInterval"] = "00:00:01",
            ["Ingestion:Worker:PollInterval"] = "00:00:01",
            ["Ingestion:Scheduler:CheckInterval"] = "00:00:01",
            ["Ingestion:Sources:shop:BaseAddress"] = api.BaseAddress.AbsoluteUri,
            ["Ingestion:Sources:shop:Resilience:MaxRetries"] = "0",
            ["Ingestion:Sources:shop:Resilience:AttemptTimeout"] = "00:05:00",
        };
        foreach (var stream in streams)
        {
            settings[$"Ingestion:Sources:shop:Streams:{stream}:Path"] = $"v1/{stream}";
            settings[$"Ingestion:Sources:shop:Streams:{stream}:Records"] = "$.data";
            settings[$"Ingestion:Sources:shop:Streams:{stream}:Paginator:Kind"] = "PageNumber";
            settings[$"Ingestion:Sources:shop:Streams:{stream}:Paginator:PageParameter"] = "page";
            settings[$"Ingestion:Sources:shop:Streams:{stream}:Paginator:PageSize"] = PageSize.ToString(CultureInfo.InvariantCulture);
        }

        return settings;
    }

    /// <summary>Host processes started at the same moment, with every line they write.</summary>
    private sealed class Hosts : IAsyncDisposable
    {
        private readonly List<Process> _processes = [];
        private readonly HashSet<Process> _killed = [];
        private readonly ConcurrentQueue<(Func<string, bool> Matches, TaskCompletionSource Seen)> _watches = new();

        public ConcurrentQueue<string> Lines { get; } = new();

        /// <summary>Completes when a host writes a line that matches (from now on).</summary>
        public Task WhenLine(Func<string, bool> matches)
        {
            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _watches.Enqueue((matches, seen));
            return seen.Task;
        }

        private void OnLine(string line)
        {
            Lines.Enqueue(line);
            foreach (var (matches, seen) in _watches)
            {
                if (!seen.Task.IsCompleted && matches(line))
                {
                    seen.TrySetResult();
                }
            }
        }

        public static async Task<Hosts> StartAsync(IReadOnlyDictionary<string, string?> configuration, int count)
        {
            var hosts = new Hosts();
            var working = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var started = 0;
            for (var i = 0; i < count; i++)
            {
                hosts._processes.Add(CliProcess.Start(configuration, line =>
                {
                    hosts.OnLine(line);
                    if (line.Contains("Working as", StringComparison.Ordinal) && Interlocked.Increment(ref started) == count)
                    {
                        working.TrySetResult();
                    }
                }, "work", "--verbose"));
            }

            await hosts.Within(working.Task, $"{count} hosts working");
            return hosts;
        }

        public void Kill(int processId)
        {
            var process = _processes.Single(process => process.Id == processId);
            _killed.Add(process);
            process.Kill(entireProcessTree: true);
        }

        // Waits for what the hosts should bring about; fails with their output when a host exits or the bound passes first.
        public async Task Within(Task awaited, string what)
        {
            var exited = Task.WhenAny(_processes.Where(process => !_killed.Contains(process)).Select(process => process.WaitForExitAsync(Cancel)));
            var first = await Task.WhenAny(awaited, exited, Task.Delay(Bound, Cancel));
            Assert.True(first == awaited, $"Waited for {what}; {(first == exited ? "a host exited" : $"nothing after {Bound}")}. The hosts wrote:\n{string.Join('\n', Lines.TakeLast(200))}");
            await awaited;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var process in _processes)
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }

                await process.WaitForExitAsync(CancellationToken.None);
                process.Dispose();
            }

            _processes.Clear();
        }
    }
}
