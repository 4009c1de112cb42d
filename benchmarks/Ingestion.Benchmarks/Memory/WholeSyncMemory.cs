using System.Diagnostics;
using Ingestion.Benchmarks.Paging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ingestion.Benchmarks.Memory;

/// <summary>
/// The child process of <c>memory sync</c>: one incremental sync of a paginated REST stream into the PostgreSQL store, as a
/// host runs it (<c>AddIngestion()</c>, <c>UsePostgres</c>, <see cref="IIngestionClient.SyncNowAsync"/>): every page fetched,
/// every record hashed and written, the watermark saved with each batch. Prints <see cref="MemoryFlatnessCheck.Line"/> with the bytes allocated.
/// </summary>
internal static class WholeSyncMemory
{
    /// <summary>
    /// Syncs <paramref name="records"/> records, then (<paramref name="resync"/>) the same again, all unchanged, and times that
    /// too; <paramref name="pageByPage"/> writes every page on its own (<see cref="SyncRunnerOptions.BatchDelay"/> zero).
    /// </summary>
    public static async Task<int> MeasureAsync(int records, Uri baseAddress, string connectionString, bool pageByPage = false, bool resync = false)
    {
        var stream = PagingEngineBenchmarks.Items(
            maxPages: (records / PagingEngineBenchmarks.RecordsPerPage) + 1,
            new IncrementalSettings { CursorField = "updated_at", RequestParameter = "updated_since" });
        var source = new SourceDefinition { Name = "memory", BaseAddress = baseAddress, Streams = [stream] };

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Services.AddIngestion(ingestion => ingestion.UsePostgres(connectionString).AddSource(source));
        if (pageByPage)
        {
            builder.Services.Configure<SyncRunnerOptions>(options => options.BatchDelay = TimeSpan.Zero);
        }

        using var host = builder.Build();
        await host.StartAsync();

        long heapHighWater = 0;
        using var sampler = new Timer(_ => heapHighWater = Math.Max(heapHighWater, GC.GetGCMemoryInfo().HeapSizeBytes), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(10));
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var started = Stopwatch.GetTimestamp();
        var result = await host.Services.GetRequiredService<IIngestionClient>().SyncNowAsync(new SyncNowRequest { Source = source.Name }, CancellationToken.None);
        var reports = result.Reports;
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var report = reports.Single();
        if (report.Status != RunStatus.Succeeded || report.RecordsNew != records)
        {
            throw new InvalidOperationException($"The sync ended {report.Status} with {report.RecordsNew:N0} of {records:N0} records new: {string.Join("; ", report.Issues.Select(i => i.Message))}");
        }

        double? resyncSeconds = null;
        if (resync)
        {
            var again = Stopwatch.GetTimestamp();
            var second = (await host.Services.GetRequiredService<IIngestionClient>().SyncNowAsync(new SyncNowRequest { Source = source.Name }, CancellationToken.None)).Reports.Single();
            resyncSeconds = Stopwatch.GetElapsedTime(again).TotalSeconds;
            if (second.Status != RunStatus.Succeeded || second.RecordsUnchanged != records)
            {
                throw new InvalidOperationException($"The re-sync ended {second.Status} with {second.RecordsUnchanged:N0} of {records:N0} records unchanged.");
            }
        }

        await host.StopAsync();
        Console.WriteLine(MemoryFlatnessCheck.Line(report.RecordsNew, Interlocked.Read(ref heapHighWater), allocated, seconds, resyncSeconds));
        return 0;
    }
}
