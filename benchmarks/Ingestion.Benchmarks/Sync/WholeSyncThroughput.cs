using System.Globalization;
using Ingestion.Benchmarks.Memory;
using Ingestion.Benchmarks.Paging;
using Ingestion.Samples;

namespace Ingestion.Benchmarks.Sync;

/// <summary>
/// <c>dotnet run -c Release -- sync [records] [--rounds 3]</c>: a whole first sync of a paginated REST stream (fetch over
/// loopback HTTP, hash, PostgreSQL writes, watermark; <see cref="WholeSyncMemory"/>) with the runner's batching as
/// configured by default, against the same sync written page by page (<see cref="SyncRunnerOptions.BatchDelay"/> zero: a
/// transaction for each page of 100 records). Each sync runs in a fresh process, into a fresh database, against a page server
/// of its own whose keys never repeat; the two alternate, and each figure is the best of the rounds.
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
        double batched = double.MaxValue, pageByPage = double.MaxValue;
        for (var round = 0; round < rounds; round++)
        {
            // Alternate which goes first, so that neither always runs on the warmer machine.
            foreach (var byPage in round % 2 == 0 ? new[] { true, false } : [false, true])
            {
                var database = await server.CreateDatabaseAsync("sync_throughput");
                using var pages = PageServerProcess.Start(distinctPages: 1, PagingEngineBenchmarks.RecordsPerPage, records / PagingEngineBenchmarks.RecordsPerPage, uniqueKeys: true);
                var run = MemoryFlatnessCheck.Child("memory-sync-run", records, pages.BaseAddress.ToString(), database, byPage ? "page-by-page" : "batched");
                Console.WriteLine($"  round {round + 1}, {(byPage ? "page by page" : "batched    ")}: {run.Seconds,6:0.0} s  {records / run.Seconds,9:N0} records/s");
                if (byPage)
                {
                    pageByPage = Math.Min(pageByPage, run.Seconds);
                }
                else
                {
                    batched = Math.Min(batched, run.Seconds);
                }
            }
        }

        var ratio = pageByPage / batched;
        Console.WriteLine($"batched vs page by page, throughput (best of {rounds}): {records / batched:N0} vs {records / pageByPage:N0} records/s, {ratio:0.00}x");
        RatioSummary.Add($"whole first sync of {records:N0} records, batched (throughput)", ratio, "the same sync, a transaction a page", "-");
        return 0;
    }
}
