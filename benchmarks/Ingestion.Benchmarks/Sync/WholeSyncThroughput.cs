using System.Globalization;
using Ingestion.Benchmarks.Memory;
using Ingestion.Benchmarks.Paging;
using Ingestion.Samples;

namespace Ingestion.Benchmarks.Sync;

/// <summary>
/// <c>dotnet run -c Release -- sync [records] [--rounds 3]</c>: a whole first sync of a paginated REST stream (fetch over
/// loopback HTTP, hash, PostgreSQL writes, watermark; <see cref="WholeSyncMemory"/>), then the same again, every record
/// unchanged, with the runner's batching as configured by default, against the same syncs written page by page
/// (<see cref="SyncRunnerOptions.BatchDelay"/> zero: a transaction for each page of 100 records). Each pair of syncs runs
/// in a fresh process, into a fresh database, against a page server of its own whose keys never repeat within a sync;
/// batched and page by page alternate, and each figure is the best of the rounds.
/// </summary>
internal static class WholeSyncThroughput
{
    public static async Task<int> RunAsync(string[] args)
    {
        var records = args.Where(arg => char.IsAsciiDigit(arg[0])).Select(arg => int.Parse(arg, CultureInfo.InvariantCulture)).DefaultIfEmpty(200_000).First();
        var roundsAt = Array.IndexOf(args, "--rounds");
        var rounds = roundsAt >= 0 ? int.Parse(args[roundsAt + 1], CultureInfo.InvariantCulture) : 3;

        await using var server = await LocalPostgresServer.StartWithoutContainerAsync();
        Console.WriteLine($"== Whole sync of {records:N0} records, batched against page by page ({server.Description}) ==");
        (double First, double Again) batched = (double.MaxValue, double.MaxValue), pageByPage = batched;
        for (var round = 0; round < rounds; round++)
        {
            // Alternate which goes first, so that neither always runs on the warmer machine.
            foreach (var byPage in round % 2 == 0 ? new[] { true, false } : [false, true])
            {
                var database = await server.CreateDatabaseAsync("sync_throughput");
                using var pages = PageServerProcess.Start(distinctPages: 1, PagingEngineBenchmarks.RecordsPerPage, records / PagingEngineBenchmarks.RecordsPerPage, uniqueKeys: true);
                var run = MemoryFlatnessCheck.Child("memory-sync-run", records, pages.BaseAddress.ToString(), database, byPage ? "page-by-page" : "batched", "resync");
                Console.WriteLine($"  round {round + 1}, {(byPage ? "page by page" : "batched    ")}: first {run.Seconds,6:0.0} s  {records / run.Seconds,9:N0} records/s, again {run.ResyncSeconds,6:0.0} s  {records / run.ResyncSeconds,9:N0} records/s");
                ref var best = ref byPage ? ref pageByPage : ref batched;
                best = (Math.Min(best.First, run.Seconds), Math.Min(best.Again, run.ResyncSeconds));
            }
        }

        Console.WriteLine($"batched vs page by page, throughput (best of {rounds}):");
        Console.WriteLine($"  first sync: {records / batched.First:N0} vs {records / pageByPage.First:N0} records/s, {pageByPage.First / batched.First:0.00}x");
        Console.WriteLine($"  unchanged:  {records / batched.Again:N0} vs {records / pageByPage.Again:N0} records/s, {pageByPage.Again / batched.Again:0.00}x");
        RatioSummary.Add($"whole first sync of {records:N0} records, batched (throughput)", pageByPage.First / batched.First, "the same sync, a transaction a page", "-");
        RatioSummary.Add($"whole re-sync of the same {records:N0}, unchanged, batched (throughput)", pageByPage.Again / batched.Again, "the same re-sync, a transaction a page", "-");
        return 0;
    }
}
