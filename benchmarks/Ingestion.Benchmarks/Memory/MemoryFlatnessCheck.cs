using System.Diagnostics;
using System.Globalization;
using Ingestion.Benchmarks.Paging;
using Ingestion.Samples;

namespace Ingestion.Benchmarks.Memory;

/// <summary>
/// <c>dotnet run -c Release -- memory [fetch|sync] [records]</c>: how memory grows with the size of a sync, 10,000 records
/// against 1,000,000 (or <c>records</c>), each run in a fresh process (bar: ≤ 1.5× the peak working set).
/// <list type="bullet">
/// <item><c>fetch</c>: the engine's fetcher alone, pages handed to a callback and dropped. Also the live heap: what survives a
/// forced full collection every 50 pages.</item>
/// <item><c>sync</c>: a whole sync (<see cref="WholeSyncMemory"/>): fetch, hash, write to PostgreSQL with the watermark, in a
/// fresh database each, against a page server in a process of its own whose keys never repeat.</item>
/// </list>
/// Both parts run when neither is named. The GC heap size is the one as of the latest collection, sampled after each page
/// (fetch) or every 10 ms (sync).
/// </summary>
internal static class MemoryFlatnessCheck
{
    private const int Small = 10_000;

    public static async Task<int> RunAsync(string[] args)
    {
        switch (args[0])
        {
            case "memory-run":
                return await MeasureFetchAsync(int.Parse(args[1], CultureInfo.InvariantCulture));
            case "memory-sync-run":
                return await WholeSyncMemory.MeasureAsync(int.Parse(args[1], CultureInfo.InvariantCulture), new Uri(args[2]), args[3], pageByPage: args.Contains("page-by-page"), resync: args.Contains("resync"));
        }

        var parts = args.Skip(1).Where(arg => !char.IsAsciiDigit(arg[0])).ToList();
        var large = args.Skip(1).Where(arg => char.IsAsciiDigit(arg[0])).Select(arg => int.Parse(arg, CultureInfo.InvariantCulture)).DefaultIfEmpty(1_000_000).First();
        if (parts.Count == 0 || parts.Contains("fetch"))
        {
            Console.WriteLine("== Fetch only: the engine's fetcher, pages dropped ==");
            Report("fetch", Child("memory-run", Small), Child("memory-run", large), "live heap high-water");
        }

        if (parts.Count == 0 || parts.Contains("sync"))
        {
            await using var server = await LocalPostgresServer.StartWithoutContainerAsync();
            Console.WriteLine($"== Whole sync: fetch, hash, PostgreSQL writes and watermark ({server.Description}) ==");
            var runs = new List<Run>();
            foreach (var records in new[] { Small, large })
            {
                var database = await server.CreateDatabaseAsync("memory_sync");
                using var pages = PageServerProcess.Start(distinctPages: 1, PagingEngineBenchmarks.RecordsPerPage, records / PagingEngineBenchmarks.RecordsPerPage, uniqueKeys: true);
                runs.Add(Child("memory-sync-run", records, pages.BaseAddress.ToString(), database));
            }

            Report("whole sync", runs[0], runs[1], "bytes allocated");
        }

        return 0;
    }

    private static void Report(string part, Run small, Run large, string lastColumn)
    {
        Console.WriteLine($"  records  peak working set  GC heap size high-water  {lastColumn,20}  GCs (gen0/1/2)  seconds");
        foreach (var run in new[] { small, large })
        {
            Console.WriteLine($"{run.Records,9:N0}  {run.WorkingSet / 1048576.0,12:0.0} MiB  {run.Heap / 1048576.0,19:0.0} MiB  {run.Last / 1048576.0,16:0.0} MiB  {run.Collections,14}  {run.Seconds,7:0.0}");
        }

        var workingSet = large.WorkingSet / (double)small.WorkingSet;
        // A run too short for a single collection has no GC heap size to compare with.
        var heap = small.Heap == 0 ? "- (no collection in the smaller run)" : $"{large.Heap / (double)small.Heap:0.00}x";
        Console.WriteLine($"ratio {large.Records:N0} vs {small.Records:N0} records: peak working set {workingSet:0.00}x, GC heap high-water {heap} (bar: <= 1.5x)");
        RatioSummary.Add($"memory, {part} of {large.Records:N0} records: peak working set", workingSet, $"{part} of {small.Records:N0} records, fresh process each", "<= 1.5x");
    }

    internal static Run Child(string mode, int records, params string[] more)
    {
        // Under `dotnet Ingestion.Benchmarks.dll` the process is the muxer, which needs the assembly path first.
        var host = Environment.ProcessPath!;
        var arguments = new List<string>();
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            arguments.Add(typeof(MemoryFlatnessCheck).Assembly.Location);
        }

        arguments.AddRange([mode, records.ToString(CultureInfo.InvariantCulture), .. more]);
        using var process = Process.Start(new ProcessStartInfo(host, arguments)
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"The {mode} child for {records:N0} records exited with {process.ExitCode}: {output}");
        }

        var parts = output.Trim().Split('\n')[^1].Split(' ');
        return new Run(Long(parts[0]), Long(parts[1]), Long(parts[2]), Long(parts[3]), parts[4], double.Parse(parts[5], CultureInfo.InvariantCulture))
        {
            ResyncSeconds = parts.Length > 6 ? double.Parse(parts[6], CultureInfo.InvariantCulture) : 0,
        };
    }

    /// <summary>One child's line: records, peak working set, GC heap high-water, the part's own figure, collections, seconds (and those of a re-sync).</summary>
    internal static string Line(long records, long heapHighWater, long last, double seconds, double? resyncSeconds = null)
    {
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        return string.Create(CultureInfo.InvariantCulture, $"{records} {self.PeakWorkingSet64} {heapHighWater} {last} {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)} {seconds:0.000}{(resyncSeconds is { } again ? " " + again.ToString("0.000", CultureInfo.InvariantCulture) : string.Empty)}");
    }

    private static long Long(string text) => long.Parse(text, CultureInfo.InvariantCulture);

    private static async Task<int> MeasureFetchAsync(int records)
    {
        var pages = records / PagingEngineBenchmarks.RecordsPerPage;
        await using var server = await LoopbackPageServer.StartAsync(distinctPages: 100, PagingEngineBenchmarks.RecordsPerPage);
        server.ServePages(pages);
        var (services, fetcher, source, stream) = PagingEngineBenchmarks.Engine(server.BaseAddress, maxPages: pages + 1);
        using (services)
        {
            long heapHighWater = 0;
            long afterGcHighWater = 0;
            var started = Stopwatch.GetTimestamp();
            var fetched = await PagingEngineBenchmarks.FetchAllAsync(fetcher, source, stream, page =>
            {
                var heap = GC.GetGCMemoryInfo().HeapSizeBytes;
                if (heap > heapHighWater)
                {
                    heapHighWater = heap;
                }

                // Live memory: every 50th page, what survives a full collection.
                if (page.PageNumber % 50 == 0)
                {
                    GC.Collect();
                    var info = GC.GetGCMemoryInfo(GCKind.FullBlocking);
                    var live = info.HeapSizeBytes - info.FragmentedBytes;
                    if (live > afterGcHighWater)
                    {
                        afterGcHighWater = live;
                    }
                }
            });
            Console.WriteLine(Line(fetched, heapHighWater, afterGcHighWater, Stopwatch.GetElapsedTime(started).TotalSeconds));
        }

        return 0;
    }

    internal sealed record Run(long Records, long WorkingSet, long Heap, long Last, string Collections, double Seconds)
    {
        /// <summary>The seconds of the re-sync that followed, when the child ran one.</summary>
        public double ResyncSeconds { get; init; }
    }
}
