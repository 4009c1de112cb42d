using System.Diagnostics;
using System.Globalization;
using Ingestion.Postgres;
using Ingestion.Postgres.Internal;
using Ingestion.Postgres.Queue.Internal;
using Ingestion.Samples;
using Npgsql;

namespace Ingestion.Benchmarks.Postgres;

/// <summary>
/// The job queue against graphile-worker on the same server in the same run: burn-downs of no-op jobs, one job per claim
/// and batched, each workload run next to graphile-worker's in alternating order, repeated; then the claim batch-size
/// curve and the pickup latency. <c>postgres queue [--rounds 3] [--jobs 100000] [--no-anchor]</c>.
/// </summary>
internal static class QueueBenchmarks
{
    private const int EnqueueBatch = 5_000;

    /// <summary>Our workers and claim batch against graphile-worker's concurrency and mode; no anchor for the curve's middle points.</summary>
    private sealed record Workload(string Name, int Workers, int ClaimBatch, int? AnchorConcurrency, bool AnchorBatched, bool Separate = false)
    {
        public List<double> Ours { get; } = [];

        public List<double> Anchor { get; } = [];
    }

    public static async Task RunAsync(LocalPostgresServer server, string[] args)
    {
        var rounds = IntOption(args, "--rounds", 3);
        var jobs = IntOption(args, "--jobs", 100_000);
        Console.WriteLine();
        Console.WriteLine($"== Job queue: burn-down of {jobs:N0} no-op jobs, {rounds} rounds, each workload next to graphile-worker's in alternating order ==");

        GraphileWorkerAnchor? anchor = null;
        if (args.Contains("--no-anchor"))
        {
            Console.WriteLine("graphile-worker anchor skipped (--no-anchor).");
        }
        else
        {
            var (found, skipped) = GraphileWorkerAnchor.Find(await server.CreateDatabaseAsync("bench_graphile_worker"));
            anchor = found;
            Console.WriteLine(anchor is null
                ? $"graphile-worker anchor skipped: {skipped}"
                : $"graphile-worker {anchor.Version} (Node) in its own database on the same server, silent logger, {GraphileWorkerAnchor.DatabaseVariable} passed to it.");
        }

        await using var dataSource = NpgsqlDataSource.Create(await server.CreateDatabaseAsync("bench_queue"));
        await new PostgresMigrator(dataSource).MigrateAsync(CancellationToken.None);
        await using var context = new PostgresStoreContext(dataSource, new PostgresStoreOptions(), TimeProvider.System);
        await using var queue = new PostgresJobQueue(context);
        await BurnDownAsync(dataSource, queue, workers: 4, claimBatch: 1, jobs: 5_000);
        await BurnDownAsync(dataSource, queue, workers: 4, claimBatch: 100, jobs: 20_000);

        Workload[] workloads =
        [
            new("one job per claim, 4 workers / concurrency 4", 4, 1, 4, AnchorBatched: false),
            new("one job per claim, 24 workers / concurrency 24", 24, 1, 24, AnchorBatched: false),
            new("batched, 4 workers x claim 500 / concurrency 4, local queue 500", 4, 500, 4, AnchorBatched: true),
            new("batched, 4 workers x claim 500 / concurrency 24, local queue 500", 4, 500, 24, AnchorBatched: true),
            new("one job per claim, 4 workers, completion and next claim as two calls", 4, 1, null, AnchorBatched: false, Separate: true),
            new("claim batch 10, 4 workers", 4, 10, null, AnchorBatched: false),
            new("claim batch 100, 4 workers", 4, 100, null, AnchorBatched: false),
        ];
        for (var round = 0; round < rounds; round++)
        {
            foreach (var workload in workloads)
            {
                // Alternate who goes first, so that neither always runs on a machine warmed or loaded by the other.
                var anchorFirst = round % 2 == 1;
                if (anchorFirst)
                {
                    await RunAnchorAsync(anchor, workload, jobs);
                }

                workload.Ours.Add(await BurnDownAsync(dataSource, queue, workload.Workers, workload.ClaimBatch, jobs, separate: workload.Separate));
                if (!anchorFirst)
                {
                    await RunAnchorAsync(anchor, workload, jobs);
                }

                var last = workload.Anchor.Count > round ? $"; graphile-worker {workload.Anchor[round],9:N0} jobs/s" : string.Empty;
                Console.WriteLine($"  round {round + 1}: {workload.Name,-66} ours {workload.Ours[round],9:N0} jobs/s{last}");
            }
        }

        Console.WriteLine();
        Console.WriteLine($"Medians of {rounds} rounds (min-max); the ratio is the median of the per-round ratios, ours / graphile-worker (above 1: ours is faster):");
        foreach (var workload in workloads.Where(workload => workload.AnchorConcurrency is not null))
        {
            var anchorText = workload.Anchor.Count == 0 ? "graphile-worker skipped" : $"graphile-worker {Spread(workload.Anchor)} jobs/s";
            var ratioText = workload.Anchor.Count == 0
                ? string.Empty
                : $"  ours / graphile-worker {Median(Ratios(workload)):F2}x ({Ratios(workload).Min():F2}-{Ratios(workload).Max():F2})";
            Console.WriteLine($"{workload.Name,-66} ours {Spread(workload.Ours)} jobs/s; {anchorText}{ratioText}");
            if (workload.Anchor.Count > 0)
            {
                RatioSummary.Add($"queue, {workload.Name}", Median(Ratios(workload)), "graphile-worker 0.18.0, same server (throughput)", ">= 1.2x");
            }

        }

        Console.WriteLine();
        var twoCalls = workloads.First(workload => workload.Separate);
        Console.WriteLine($"{twoCalls.Name,-66} ours {Spread(twoCalls.Ours)} jobs/s");
        Console.WriteLine();
        Console.WriteLine("Claim batch-size curve, 4 workers, completion batch = claim batch, completion and next claim in one call (medians, jobs/s):");
        Workload? previous = null;
        foreach (var batch in new[] { 1, 10, 100, 500 })
        {
            var workload = workloads.First(workload => workload.Workers == 4 && workload.ClaimBatch == batch && !workload.Separate);
            Console.WriteLine($"  claim batch {batch,3}: {Spread(workload.Ours)}");
            if (previous is not null)
            {
                RatioSummary.Add($"queue, claim batch {batch}, 4 workers", Median(workload.Ours) / Median(previous.Ours), $"claim batch {previous.ClaimBatch} (throughput)", "> 1x (no cliff)");
            }

            previous = workload;
        }

        await LatencyAsync(queue);
    }

    private static async Task RunAnchorAsync(GraphileWorkerAnchor? anchor, Workload workload, int jobs)
    {
        if (anchor is not null && workload.AnchorConcurrency is { } concurrency)
        {
            workload.Anchor.Add(await anchor.DrainAsync(jobs, concurrency, workload.AnchorBatched));
        }
    }

    private static List<double> Ratios(Workload workload) => workload.Ours.Zip(workload.Anchor, (ours, anchor) => ours / anchor).ToList();

    private static string Spread(List<double> values) => $"{Median(values),9:N0} ({values.Min():N0}-{values.Max():N0})";

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    internal static int IntOption(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }

    /// <summary>Enqueues <paramref name="jobs"/> no-op jobs into an emptied, vacuumed queue, then times their burn-down; returns jobs per second.</summary>
    internal static async Task<double> BurnDownAsync(
        NpgsqlDataSource dataSource, PostgresJobQueue queue, int workers, int claimBatch, int jobs, Counters? counters = null, Func<int, Task>? halfway = null, bool separate = false)
    {
        await using (var reset = dataSource.CreateCommand("TRUNCATE ingestion.jobs, ingestion.job_history"))
        {
            await reset.ExecuteNonQueryAsync();
        }

        await using (var vacuum = dataSource.CreateCommand("VACUUM ANALYZE ingestion.jobs"))
        {
            await vacuum.ExecuteNonQueryAsync();
        }

        for (var offset = 0; offset < jobs; offset += EnqueueBatch)
        {
            await queue.EnqueueManyAsync(Enumerable.Range(offset, Math.Min(EnqueueBatch, jobs - offset)).Select(_ => new JobRequest { JobType = "noop" }).ToList(), CancellationToken.None);
        }

        var done = 0;
        var halfwayTaken = 0;
        var stopwatch = Stopwatch.StartNew();
        var tasks = Enumerable.Range(0, workers).Select(worker => Task.Run(async () =>
        {
            // A worker's loop: claim, run (no-op), then complete and claim the next in one call, as QueueWorker does; or, with
            // separate, complete and claim as two calls.
            var claim = new ClaimRequest { WorkerId = $"bench-{worker}", MaxJobs = claimBatch };
            var claimed = await queue.ClaimAsync(claim, CancellationToken.None);
            Count(counters, claims: 1);
            while (claimed.Count > 0)
            {
                var completions = new JobCompletion[claimed.Count];
                for (var index = 0; index < claimed.Count; index++)
                {
                    completions[index] = new JobCompletion(claimed[index].Id, claimed[index].LeaseToken);
                }

                int completed;
                if (separate)
                {
                    completed = await queue.CompleteAsync(completions, CancellationToken.None);
                    claimed = await queue.ClaimAsync(claim, CancellationToken.None);
                    Count(counters, claims: 1, completions: 1, roundTrips: 2);
                }
                else
                {
                    (completed, claimed) = await queue.CompleteAndClaimAsync(completions, claim, CancellationToken.None);
                    Count(counters, claims: 1, completions: 1, roundTrips: 1);
                }

                var total = Interlocked.Add(ref done, completed);
                if (halfway is not null && total >= jobs / 2 && Interlocked.Exchange(ref halfwayTaken, 1) == 0)
                {
                    await halfway(total);
                }
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        stopwatch.Stop();
        if (done != jobs)
        {
            throw new InvalidOperationException($"Completed {done} of {jobs} jobs.");
        }

        return jobs / stopwatch.Elapsed.TotalSeconds;
    }

    private static void Count(Counters? counters, int claims, int completions = 0, int roundTrips = 1)
    {
        if (counters is not null)
        {
            Interlocked.Add(ref counters.Claims, claims);
            Interlocked.Add(ref counters.Completions, completions);
            Interlocked.Add(ref counters.RoundTrips, roundTrips);
        }
    }

    /// <summary>Calls a burn-down made, for the profile.</summary>
    internal sealed class Counters
    {
        public int Claims;
        public int Completions;
        public int RoundTrips;
    }

    private static async Task LatencyAsync(PostgresJobQueue queue)
    {
        const int warmUp = 100;
        const int samples = 1_000;
        var pollInterval = TimeSpan.FromSeconds(1);
        var started = new SemaphoreSlim(0);
        long handlerStart = 0;
        using var stop = new CancellationTokenSource();
        var worker = Task.Run(async () =>
        {
            var claim = new ClaimRequest { WorkerId = "latency", MaxJobs = 1 };
            while (!stop.IsCancellationRequested)
            {
                var claimed = await queue.ClaimAsync(claim, CancellationToken.None);
                if (claimed.Count == 0)
                {
                    try
                    {
                        await queue.WaitForJobsAsync(pollInterval, stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }

                    continue;
                }

                Volatile.Write(ref handlerStart, Stopwatch.GetTimestamp());
                started.Release();
                await queue.CompleteAsync([new JobCompletion(claimed[0].Id, claimed[0].LeaseToken)], CancellationToken.None);
            }
        });

        var latencies = new List<double>(samples);
        for (var sample = 0; sample < warmUp + samples; sample++)
        {
            // Let the worker go back to waiting, so each sample measures a wake-up rather than a lucky poll.
            await Task.Delay(2);
            var before = Stopwatch.GetTimestamp();
            await queue.EnqueueAsync(new JobRequest { JobType = "ping" }, CancellationToken.None);
            await started.WaitAsync();
            if (sample >= warmUp)
            {
                latencies.Add(Stopwatch.GetElapsedTime(before, Volatile.Read(ref handlerStart)).TotalMilliseconds);
            }
        }

        await stop.CancelAsync();
        await worker;
        latencies.Sort();
        RatioSummary.Add("queue, pickup latency p50 (enqueue to handler start)", Percentile(latencies, 0.50) / 5, "the 5 ms goal (time)", "<= 1x");
        Console.WriteLine();
        Console.WriteLine(
            $"pickup latency enqueue call -> handler start, 1 worker, claim batch 1, LISTEN/NOTIFY with {pollInterval.TotalSeconds:F0} s poll fallback, {samples:N0} samples after {warmUp} warm-up: " +
            $"p50 {Percentile(latencies, 0.50):F2} ms, p95 {Percentile(latencies, 0.95):F2} ms, p99 {Percentile(latencies, 0.99):F2} ms, max {latencies[^1]:F2} ms  (absolute, no baseline; goal p50 <= 5 ms)");
    }

    private static double Percentile(List<double> sorted, double quantile) => sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(quantile * sorted.Count))];
}
