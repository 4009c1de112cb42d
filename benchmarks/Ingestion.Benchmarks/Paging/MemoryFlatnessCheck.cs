using System.Diagnostics;
using System.Globalization;

namespace Ingestion.Benchmarks.Paging;

/// <summary>
/// <c>dotnet run -c Release -- memory</c>: fetches 10,000 and then 1,000,000 records through the engine, each in a fresh
/// process, and prints for both the peak working set, the high-water mark of the GC heap size (as of the latest
/// collection, sampled after each page) and the live heap high-water mark (what survives a forced full collection
/// every 50 pages), with their ratios (bar: ≤ 1.5×).
/// </summary>
internal static class MemoryFlatnessCheck
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length > 1 && args[0] == "memory-run")
        {
            return await MeasureAsync(int.Parse(args[1], CultureInfo.InvariantCulture));
        }

        var small = Child(10_000);
        var large = Child(1_000_000);
        Console.WriteLine("  records  peak working set  GC heap size high-water  live heap high-water  GCs (gen0/1/2)");
        foreach (var run in new[] { small, large })
        {
            Console.WriteLine($"{run.Records,9:N0}  {run.WorkingSet / 1048576.0,12:0.0} MiB  {run.Heap / 1048576.0,28:0.0} MiB  {run.HeapAfterGc / 1048576.0,19:0.0} MiB  {run.Collections}");
        }

        Console.WriteLine($"ratio 1,000,000 vs 10,000 records: peak working set {large.WorkingSet / (double)small.WorkingSet:0.00}x, GC heap high-water {large.Heap / (double)small.Heap:0.00}x, live heap {large.HeapAfterGc / (double)small.HeapAfterGc:0.00}x (bar: <= 1.5x)");
        return 0;
    }

    private static (long Records, long WorkingSet, long Heap, long HeapAfterGc, string Collections) Child(int records)
    {
        // Under `dotnet Ingestion.Benchmarks.dll` the process is the muxer, which needs the assembly path first.
        var host = Environment.ProcessPath!;
        string[] arguments = Path.GetFileNameWithoutExtension(host) == "dotnet"
            ? [typeof(MemoryFlatnessCheck).Assembly.Location, "memory-run", records.ToString(CultureInfo.InvariantCulture)]
            : ["memory-run", records.ToString(CultureInfo.InvariantCulture)];
        using var process = Process.Start(new ProcessStartInfo(host, arguments)
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var parts = output.Trim().Split(' ');
        return (long.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture), long.Parse(parts[3], CultureInfo.InvariantCulture), parts[4]);
    }

    private static async Task<int> MeasureAsync(int records)
    {
        var pages = records / PagingEngineBenchmarks.RecordsPerPage;
        await using var server = await LoopbackPageServer.StartAsync(distinctPages: 100, PagingEngineBenchmarks.RecordsPerPage);
        server.ServePages(pages);
        var (services, fetcher, source, stream) = PagingEngineBenchmarks.Engine(server.BaseAddress, maxPages: pages + 1);
        using (services)
        {
            long heapHighWater = 0;
            long afterGcHighWater = 0;
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
            using var self = Process.GetCurrentProcess();
            self.Refresh();
            Console.WriteLine($"{fetched} {self.PeakWorkingSet64} {heapHighWater} {afterGcHighWater} {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}");
        }

        return 0;
    }
}
