using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Ingestion.Connectors.Jibble;
using Ingestion.Samples;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ingestion.Benchmarks.Connectors;

/// <summary>
/// A Jibble work-session backfill: <c>people</c> people with <c>days</c> days of time entries each (two sessions a day, four
/// entries), every person-day derived, read the way the deriver reads a day now (the person's entries of the day and its two
/// neighbours, <see cref="RawRecordQuery.AlsoMatching"/>) against the way it read before (the person's whole history,
/// filtered in memory), in the same process on the same store:
/// <c>dotnet run -c Release --project benchmarks/Ingestion.Benchmarks -- sessions [people] [days] [measuredPeople] [memory|postgres]</c>.
/// Every person's entries are stored; the days of the first <c>measuredPeople</c> are derived in each mode (both modes
/// derive the same keys and must give the same sessions), and the figures for all people are those times the share.
/// </summary>
internal static class SessionBackfillBenchmarks
{
    private static readonly DateOnly FirstDay = new(2025, 1, 1);

    public static async Task<int> RunAsync(string[] args)
    {
        var people = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
        var days = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 365;
        var measured = Math.Min(people, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20);
        var inMemory = args.Length <= 3 || args[3] != "postgres";

        await using var server = inMemory ? null : await LocalPostgresServer.StartWithoutContainerAsync();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        var database = server is null ? null : await server.CreateDatabaseAsync("bench_sessions");
        builder.Services.AddIngestion(ingestion =>
        {
            if (database is null)
            {
                ingestion.UseInMemoryStores();
            }
            else
            {
                ingestion.UsePostgres(database);
            }
        });
        using var host = builder.Build();
        await host.StartAsync();
        var store = host.Services.GetRequiredService<IRawStore>();
        var entries = await WriteEntriesAsync(store, people, days);
        Console.WriteLine($"Store: {(server is null ? "in memory" : $"PostgreSQL ({server.Description})")}; {entries:N0} time entries: {people} people x {days} days x 4.");
        Console.WriteLine($"Backfill: every day of {measured} of the people derived in each mode ({measured * days:N0} input keys), 2 rounds interleaved, best kept.");

        var deriver = new WorkSessionDeriver();
        var best = (Day: TimeSpan.MaxValue, Whole: TimeSpan.MaxValue);
        long dayRows = 0, wholeRows = 0;
        for (var round = 1; round <= 2; round++)
        {
            var (day, dayRead, daySessions) = await BackfillAsync(deriver, new ReadCounter(store, wholeHistory: false), measured, days);
            var (whole, wholeRead, wholeSessions) = await BackfillAsync(deriver, new ReadCounter(store, wholeHistory: true), measured, days);
            if (daySessions != wholeSessions)
            {
                throw new InvalidOperationException("The two reads gave different sessions.");
            }

            Console.WriteLine($"round {round}: day query {day.TotalSeconds:0.000} s ({dayRead:N0} rows read); whole history {whole.TotalSeconds:0.000} s ({wholeRead:N0} rows read)");
            best = (Min(best.Day, day), Min(best.Whole, whole));
            (dayRows, wholeRows) = (dayRead, wholeRead);
        }

        var scale = (double)people / measured;
        Console.WriteLine();
        Console.WriteLine($"rows read for all {people} people: day query {dayRows * scale:N0}, whole history {wholeRows * scale:N0} (ratio 1/{(double)wholeRows / dayRows:0})");
        Console.WriteLine($"time for all {people} people: day query {best.Day.TotalSeconds * scale:0.0} s, whole history {best.Whole.TotalSeconds * scale:0.0} s (ratio day/whole = {best.Day / best.Whole:0.000}, 1/{best.Whole / best.Day:0.0})");
        await host.StopAsync();
        return 0;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static string Person(int p) => "person-" + p.ToString("D4", CultureInfo.InvariantCulture);

    private static async Task<int> WriteEntriesAsync(IRawStore store, int people, int days)
    {
        var stream = new StreamId(JibbleOptions.DefaultName, JibbleStreams.TimeEntries);
        var batch = new List<RawRecordWrite>();
        var written = 0;
        for (var p = 0; p < people; p++)
        {
            for (var d = 0; d < days; d++)
            {
                var day = FirstDay.AddDays(d);
                foreach (var (n, type, hour) in new[] { (0, "In", 8), (1, "Out", 12), (2, "In", 13), (3, "Out", 17) })
                {
                    var id = $"{Person(p)}-{d}-{n}";
                    var json = $$"""{"id":"{{id}}","personId":"{{Person(p)}}","type":"{{type}}","status":"Active","clientType":"Web","time":"{{day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}}T{{hour:00}}:00:00Z","belongsToDate":"{{day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}}"}""";
                    var payload = Encoding.UTF8.GetBytes(json);
                    batch.Add(new RawRecordWrite { Key = id, Payload = payload, Hash = ContentHasher.ComputeRaw(payload) });
                }
            }

            if (batch.Count >= 5_000 || p == people - 1)
            {
                await store.WriteBatchAsync(new RawBatch { Stream = stream, RunId = Guid.NewGuid(), FetchedAt = DateTimeOffset.UtcNow, Records = [.. batch] }, CancellationToken.None);
                written += batch.Count;
                batch.Clear();
            }
        }

        return written;
    }

    private static async Task<(TimeSpan Elapsed, long RowsRead, long Sessions)> BackfillAsync(WorkSessionDeriver deriver, ReadCounter store, int people, int days)
    {
        var context = new DerivationContext { RawStore = store, TimeProvider = TimeProvider.System };
        long sessions = 0;
        var started = Stopwatch.GetTimestamp();
        for (var p = 0; p < people; p++)
        {
            for (var d = 0; d < days; d++)
            {
                var output = await deriver.DeriveAsync(WorkSessionDeriver.InputKeyFor(Person(p), FirstDay.AddDays(d)), context, CancellationToken.None);
                sessions += output.Count;
            }
        }

        return (Stopwatch.GetElapsedTime(started), store.RowsRead, sessions);
    }

    /// <summary>Counts the rows the deriver's reads return; in whole-history mode it reads as before, by person alone.</summary>
    private sealed class ReadCounter(IRawStore inner, bool wholeHistory) : IRawStore
    {
        public long RowsRead { get; private set; }

        public IAsyncEnumerable<RawRecord> QueryLatestAsync(StreamId stream, RawRecordQuery? query, CancellationToken cancellationToken) =>
            CountAsync(inner.QueryLatestAsync(stream, wholeHistory && query is not null ? new RawRecordQuery { FieldName = query.FieldName, FieldValue = query.FieldValue, IncludeDeleted = query.IncludeDeleted } : query, cancellationToken), cancellationToken);

        public async ValueTask<RawRecord?> GetLatestAsync(StreamId stream, string key, CancellationToken cancellationToken)
        {
            var record = await inner.GetLatestAsync(stream, key, cancellationToken);
            RowsRead += record is null ? 0 : 1;
            return record;
        }

        public ValueTask<RawBatchResult> WriteBatchAsync(RawBatch batch, CancellationToken cancellationToken) => inner.WriteBatchAsync(batch, cancellationToken);

        public IAsyncEnumerable<RawRecord> GetHistoryAsync(StreamId stream, string key, CancellationToken cancellationToken) => inner.GetHistoryAsync(stream, key, cancellationToken);

        public IAsyncEnumerable<RawRecord> GetChangedSinceAsync(StreamId stream, DateTimeOffset since, CancellationToken cancellationToken) => inner.GetChangedSinceAsync(stream, since, cancellationToken);

        public ValueTask<int> MarkMissingDeletedAsync(StreamId stream, DateTimeOffset seenSince, DateTimeOffset deletedAt, CancellationToken cancellationToken) =>
            inner.MarkMissingDeletedAsync(stream, seenSince, deletedAt, cancellationToken);

        public ValueTask<long> CountLatestAsync(StreamId stream, CancellationToken cancellationToken) => inner.CountLatestAsync(stream, cancellationToken);

        private async IAsyncEnumerable<RawRecord> CountAsync(IAsyncEnumerable<RawRecord> records, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await foreach (var record in records.WithCancellation(cancellationToken))
            {
                RowsRead++;
                yield return record;
            }
        }
    }
}
