using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Ingestion.Benchmarks.Hashing;
using Ingestion.Benchmarks.Memory;
using Ingestion.Benchmarks.Paging;
using Ingestion.Benchmarks.Postgres;
using Ingestion.Benchmarks.Sync;

namespace Ingestion.Benchmarks;

/// <summary>
/// <c>ratios</c>: every comparison with a baseline in one command, then one table of the ratios it printed, each with what it
/// is compared with and the bar it is held to. Runs <c>postgres all</c> (raw store against binary COPY, the queue against
/// graphile-worker, pickup latency), <c>scale 1000000 --analyze</c> (a filled store against an empty one), and the
/// paging engine against a hand-written loop (<c>paging 30</c>), memory of a sync of 1,000,000 records against 10,000
/// (<c>memory</c>), a whole sync batched against page by page (<c>sync</c>) and content hashing (BenchmarkDotNet, medium job).
/// About half an hour on a 2-core machine. <c>ratios --quick</c> (a check of the command, not figures to quote) skips the
/// BenchmarkDotNet part and runs one round of each comparison, 20,000 jobs, a store of 200,000 keys, memory of syncs of
/// 100,000 records and a whole sync of 20,000.
/// </summary>
internal static class RatioSummary
{
    private static readonly List<Line> s_lines = [];

    /// <summary>Adds a ratio to the closing table (it is also printed where it was measured).</summary>
    public static void Add(string what, double ratio, string baseline, string bar)
    {
        lock (s_lines)
        {
            s_lines.Add(new Line(what, ratio, baseline, bar));
        }
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var quick = args.Contains("--quick");
        await PostgresBenchmarks.RunAsync(quick ? ["all", "--rounds", "1", "--jobs", "20000", "--raw-rounds", "1"] : ["all"]);
        await ScaleBenchmarks.RunAsync(quick ? ["200000", "--analyze"] : ["1000000", "--analyze"]);
        await PagingComparison.RunAsync(quick ? ["3", "200"] : ["30"]);
        await MemoryFlatnessCheck.RunAsync(quick ? ["memory", "100000"] : ["memory"]);
        await WholeSyncThroughput.RunAsync(quick ? ["20000", "--rounds", "1"] : []);
        if (!quick)
        {
            // In process: BenchmarkDotNet's build of a separate project can outlast its timeout on a loaded machine.
            AddBenchmarkDotNet(BenchmarkRunner.Run<ContentHashingBenchmarks>(
                DefaultConfig.Instance.AddJob(Job.MediumRun.WithToolchain(InProcessEmitToolchain.Instance))));
        }

        Console.WriteLine();
        Console.WriteLine("== Every ratio of this run ==");
        Console.WriteLine($"{"what",-88} {"ratio",8}  {"compared with",-60} bar");
        foreach (var line in s_lines)
        {
            Console.WriteLine($"{line.What,-88} {line.Ratio,7:F2}x  {line.Baseline,-60} {line.Bar}");
        }

        return 0;
    }

    /// <summary>Each benchmark's mean time and allocations over its class's baseline with the same parameters.</summary>
    private static void AddBenchmarkDotNet(Summary summary)
    {
        foreach (var report in summary.Reports)
        {
            var parameters = report.BenchmarkCase.Parameters.DisplayInfo;
            var baseline = summary.Reports.FirstOrDefault(other =>
                other.BenchmarkCase.Descriptor.Baseline && other.BenchmarkCase.Parameters.DisplayInfo == parameters);
            if (baseline is null || ReferenceEquals(baseline, report) || report.ResultStatistics is null || baseline.ResultStatistics is null)
            {
                continue;
            }

            var name = $"{report.BenchmarkCase.Descriptor.Type.Name}.{report.BenchmarkCase.Descriptor.WorkloadMethod.Name} {parameters}";
            var against = baseline.BenchmarkCase.Descriptor.WorkloadMethod.Name;
            var method = report.BenchmarkCase.Descriptor.WorkloadMethod.Name;
            var recordBytes = report.BenchmarkCase.Parameters.Items.FirstOrDefault(parameter => parameter.Name == "RecordBytes")?.Value;
            Add(name + " (time)", report.ResultStatistics.Mean / baseline.ResultStatistics.Mean, $"{against}, same run (below 1: faster)", BarFor(method, recordBytes, allocations: false));
            var bytes = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase);
            var baselineBytes = baseline.GcStats.GetBytesAllocatedPerOperation(baseline.BenchmarkCase);
            if (bytes is > 0 && baselineBytes is > 0)
            {
                Add(name + " (allocated)", bytes.Value / (double)baselineBytes.Value, $"{against}'s bytes, same run", BarFor(method, recordBytes, allocations: true));
            }
        }
    }

    // The bars for the content-hashing comparison (canonical SHA-256 against plain SHA-256, by record size); the other
    // benchmarks give theirs where they add a ratio.
    private static string BarFor(string benchmark, object? recordBytes, bool allocations) => (benchmark, recordBytes, allocations) switch
    {
        ("CanonicalSha256", 1_000, false) => "<= 1.5x",
        ("CanonicalSha256", 10_000, false) => "<= 2x",
        _ => "-",
    };

    private sealed record Line(string What, double Ratio, string Baseline, string Bar);
}
