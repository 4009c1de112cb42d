using System.Diagnostics;
using System.Globalization;

namespace Ingestion.Benchmarks.Paging;

/// <summary>
/// <c>dotnet run -c Release -- paging [rounds] [pages]</c>: the paging engine and the hand-written <see cref="HttpClient"/>
/// loop of <see cref="PagingEngineBenchmarks"/> in one process, in alternating order (loop first in even rounds, engine first
/// in odd ones) over the same out-of-process server, after warm-up rounds; each run fetches <c>pages</c> pages of 100 records
/// (1,000 by default) and one empty page. Prints each round's time ratio (engine / loop), the median and spread of the ratios,
/// and the bytes allocated per page by each (precise, so the counts include nothing of the server's).
/// </summary>
internal static class PagingComparison
{
    private const int WarmUpRounds = 10;

    public static async Task<int> RunAsync(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
        var pages = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : PagingEngineBenchmarks.Pages;
        using var server = PageServerProcess.Start(Math.Min(pages, PagingEngineBenchmarks.Pages), PagingEngineBenchmarks.RecordsPerPage, pages);
        var (services, fetcher, source, stream) = PagingEngineBenchmarks.Engine(server.BaseAddress, maxPages: pages + 1);
        using var client = new HttpClient(new SocketsHttpHandler()) { BaseAddress = server.BaseAddress };
        var selector = RecordSelector.Json("$.data");
        var key = JsonPath.Parse("id");
        Func<Task<long>> loop = () => PagingEngineBenchmarks.HandWrittenLoopAsync(client, selector, key);
        Func<Task<long>> engine = () => PagingEngineBenchmarks.FetchAllAsync(fetcher, source, stream, onPage: null);
        Console.WriteLine($"Paging comparison: {pages:N0} pages x {PagingEngineBenchmarks.RecordsPerPage} records ({server.PayloadBytesPerRecord:0.0} payload bytes a record) per run, server in its own process; .NET {Environment.Version}, {Environment.ProcessorCount} cores, server GC {System.Runtime.GCSettings.IsServerGC}.");
        Console.WriteLine($"{rounds} measured rounds after {WarmUpRounds} warm-up rounds each, alternating which runs first; CPU is this process's (the client's) processor time.");

        using (services)
        {
            // Long enough for tiered compilation to reach the final code of both: the engine has more of it (the resilience pipeline's generic strategies).
            for (var warmUp = 0; warmUp < WarmUpRounds; warmUp++)
            {
                await MeasureAsync(loop);
                await MeasureAsync(engine);
            }

            var ratios = new List<double>();
            var loopTimes = new List<double>();
            var engineTimes = new List<double>();
            double loopCpu = 0;
            double engineCpu = 0;
            long loopBytes = 0;
            long engineBytes = 0;
            Console.WriteLine("round      loop ms    engine ms   engine/loop  loop CPU ms  engine CPU ms");
            for (var round = 0; round < rounds; round++)
            {
                (double Ms, long Bytes, long Records, double CpuMs) l, e;
                if (round % 2 == 0)
                {
                    l = await MeasureAsync(loop);
                    e = await MeasureAsync(engine);
                }
                else
                {
                    e = await MeasureAsync(engine);
                    l = await MeasureAsync(loop);
                }

                if (l.Records != e.Records)
                {
                    throw new InvalidOperationException($"The loop read {l.Records} records and the engine {e.Records}.");
                }

                ratios.Add(e.Ms / l.Ms);
                loopTimes.Add(l.Ms);
                engineTimes.Add(e.Ms);
                loopBytes += l.Bytes;
                engineBytes += e.Bytes;
                loopCpu += l.CpuMs;
                engineCpu += e.CpuMs;
                Console.WriteLine($"{round + 1,5} {l.Ms,12:0.0} {e.Ms,12:0.0} {e.Ms / l.Ms,13:0.000} {l.CpuMs,12:0.0} {e.CpuMs,12:0.0}");
            }

            ratios.Sort();
            var requests = (pages + 1) * (double)rounds;
            Console.WriteLine($"time engine/loop: median {Median(ratios):0.000}, quartiles {ratios[ratios.Count / 4]:0.000}-{ratios[ratios.Count * 3 / 4]:0.000}, range {ratios[0]:0.000}-{ratios[^1]:0.000}; median run loop {Median(loopTimes):0.0} ms, engine {Median(engineTimes):0.0} ms ({Median(loopTimes) * 1000 / (pages + 1):0.0} vs {Median(engineTimes) * 1000 / (pages + 1):0.0} us a page)");
            Console.WriteLine($"client CPU per page: loop {loopCpu * 1000 / requests:0.0} us, engine {engineCpu * 1000 / requests:0.0} us, engine/loop {engineCpu / loopCpu:0.000}");
            Console.WriteLine($"allocated per page: loop {loopBytes / requests:N0} B, engine {engineBytes / requests:N0} B, engine/loop {engineBytes / (double)loopBytes:0.000}");
            RatioSummary.Add($"paging engine, {pages:N0} pages x {PagingEngineBenchmarks.RecordsPerPage} records, median of {rounds} rounds (time)", Median(ratios), "hand-written HttpClient loop, same process (below 1: faster)", "<= 1.10x");
            RatioSummary.Add("paging engine, bytes allocated per page", engineBytes / (double)loopBytes, "hand-written HttpClient loop, same process", "<= 1.2x");
        }

        return 0;
    }

    private static async Task<(double Ms, long Bytes, long Records, double CpuMs)> MeasureAsync(Func<Task<long>> run)
    {
        // Each run starts from a collected heap, so neither pays for the other's garbage.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var bytes = GC.GetTotalAllocatedBytes(precise: true);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        var records = await run();
        watch.Stop();
        var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
        return (watch.Elapsed.TotalMilliseconds, GC.GetTotalAllocatedBytes(precise: true) - bytes, records, cpuMs);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
