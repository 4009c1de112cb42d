using System.Diagnostics;
using System.Globalization;
using Ingestion.Postgres;
using Ingestion.Postgres.Internal;
using Ingestion.Postgres.Migrations.Internal;
using Ingestion.Postgres.Storage.Internal;
using Ingestion.Samples;
using Npgsql;

namespace Ingestion.Benchmarks.Postgres;

/// <summary>
/// The raw store at production size: one database filled with N generated raw records over 20 streams (a tenth of the keys
/// with two superseded versions each, a run log of 100,000 runs), another left empty, and the same operations timed on both:
/// writing new records, an unchanged re-sync of a 100,000-record stream, the retry and health views, the dashboard's run-log
/// query, and (on the full store) retention removing the superseded versions. Each figure is the best of two rounds, the
/// rounds interleaved between the stores. Usage: <c>scale [records] [--analyze]</c>, 10,000,000 by default; with
/// <c>--analyze</c> the re-synced stream's first write is followed by <c>VACUUM ANALYZE</c>, as autovacuum would do in time.
/// Without it, the re-sync right after a stream's first write plans with statistics that have never seen the stream.
/// </summary>
internal static class ScaleBenchmarks
{
    private const int NewRecords = 50_000;
    private const int ResyncRecords = 100_000;

    public static async Task<int> RunAsync(string[] args)
    {
        var total = args.Length > 0 && !args[0].StartsWith('-') ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000_000;
        var analyze = args.Contains("--analyze");
        await using var server = await LocalPostgresServer.StartWithoutContainerAsync();
        Console.WriteLine($"Server: {server.Description}; client: .NET {Environment.Version}, {Environment.ProcessorCount} cores shared with the server.");
        var empty = await StoreAsync(await server.CreateDatabaseAsync("scale_empty"));
        var full = await StoreAsync(await server.CreateDatabaseAsync("scale_full"));
        var superseded = total / 10;
        var fill = Stopwatch.StartNew();
        await FillAsync(full.DataSource, total, superseded);
        Console.WriteLine($"Filled: {total:N0} keys, {total + (2L * superseded):N0} raw versions over 20 streams, 100,000 runs ({fill.Elapsed.TotalSeconds:F0} s).");

        var records = PostgresBenchmarks.MakeRecords(ResyncRecords);
        var results = new Dictionary<string, (double Empty, double Full)>(StringComparer.Ordinal);
        for (var round = 0; round < 2; round++)
        {
            foreach (var (name, store) in new[] { ("empty", empty), ("full", full) })
            {
                var suffix = round.ToString(CultureInfo.InvariantCulture);
                var created = Rate(NewRecords, await PostgresBenchmarks.WriteAllAsync(store.Raw, new StreamId("bench", "new" + suffix), records.GetRange(0, NewRecords), DateTimeOffset.UtcNow));
                var resyncStream = new StreamId("bench", "resync" + suffix);
                await PostgresBenchmarks.WriteAllAsync(store.Raw, resyncStream, records, DateTimeOffset.UtcNow);
                if (analyze)
                {
                    await PostgresBenchmarks.Vacuum(store.DataSource);
                }

                var unchanged = Rate(ResyncRecords, await PostgresBenchmarks.WriteAllAsync(store.Raw, resyncStream, records, DateTimeOffset.UtcNow.AddMinutes(1)));
                Keep(results, "raw store, new records (records/s)", name, created, higherIsBetter: true);
                Keep(results, "raw store, unchanged re-sync of 100,000 (records/s)", name, unchanged, higherIsBetter: true);
                Keep(results, "v_records_needing_retry, count (ms)", name, await MillisecondsAsync(store.DataSource, "SELECT count(*) FROM ingestion.v_records_needing_retry"), higherIsBetter: false);
                Keep(results, "v_collection_health (ms)", name, await MillisecondsAsync(store.DataSource, "SELECT count(*) FROM ingestion.v_collection_health"), higherIsBetter: false);
                var runs = Stopwatch.StartNew();
                await store.RunLog.GetRecentAsync(null, 50, CancellationToken.None);
                Keep(results, "run log, 50 newest runs as the dashboard reads them (ms)", name, runs.Elapsed.TotalMilliseconds, higherIsBetter: false);
            }
        }

        Console.WriteLine();
        Console.WriteLine($"{"operation",-58} {"empty store",14} {"full store",14} {"full / empty",13}");
        foreach (var (name, (emptyValue, fullValue)) in results)
        {
            var ratio = name.EndsWith("(ms)", StringComparison.Ordinal) ? emptyValue / fullValue : fullValue / emptyValue;
            Console.WriteLine($"{name,-58} {emptyValue,14:N1} {fullValue,14:N1} {ratio,12:F2}x");
            RatioSummary.Add($"{name} in a store of {total:N0} keys", ratio, "the same on an empty store", name.StartsWith("raw store", StringComparison.Ordinal) ? ">= 0.8x" : "-");
        }

        Console.WriteLine("(full / empty is a throughput ratio: for the timed queries, the empty store's time over the full store's)");
        var retention = new PostgresRetention(full.Context);
        var options = new RetentionOptions
        {
            SupersededVersionsMaxAge = TimeSpan.FromDays(30),
            SupersededVersionsToKeep = 1,
            RunLogMaxAge = null,
            RetryLogMaxAge = null,
            WebhookInboxMaxAge = null,
        };
        var removal = Stopwatch.StartNew();
        var removed = await retention.ApplyRetentionAsync(options, dryRun: false, CancellationToken.None);
        Console.WriteLine($"retention on the full store: {removed.SupersededVersions:N0} superseded versions removed in {removal.Elapsed.TotalSeconds:F1} s ({Rate((int)removed.SupersededVersions, removal.Elapsed):N0} versions/s), batches of {options.BatchSize:N0} keys");
        await empty.DisposeAsync();
        await full.DisposeAsync();
        return 0;
    }

    private static async Task<Store> StoreAsync(string connectionString)
    {
        var dataSource = NpgsqlDataSource.Create(connectionString + ";Command Timeout=0");
        await new PostgresMigrator(dataSource).MigrateAsync(CancellationToken.None);
        var context = new PostgresStoreContext(dataSource, new PostgresStoreOptions(), TimeProvider.System);
        return new Store(dataSource, context, new PostgresRawStore(context), new PostgresRunLog(context));
    }

    // Generated in the database, in the store's own layout: keys 1..superseded have versions 1 and 2 superseded a year ago
    // and version 3 latest; the others one version. 100,000 runs over the 20 streams, the newest a day old.
    private static async Task FillAsync(NpgsqlDataSource dataSource, int total, int superseded)
    {
        string[] statements =
        [
            $"""
            INSERT INTO ingestion.record_keys (source, stream, key, hash, latest_version, max_version, latest_is_partial, first_seen_at,
                                               last_seen_at, last_verified_at, last_written_at, hash_algorithm)
            SELECT 'fill', 'stream' || (i % 20), 'key-' || i, decode(md5(i::text), 'hex'), v, v, false,
                   now() - interval '400 days', now() - interval '1 day', now() - interval '1 day', now() - interval '300 days', 'xxhash128'
              FROM generate_series(1, {total}) i, LATERAL (SELECT CASE WHEN i <= {superseded} THEN 3 ELSE 1 END AS v) x
            """,
            $"""
            INSERT INTO ingestion.raw_records (source, stream, key, version, is_latest, payload, is_json, hash, fetched_at, run_id,
                                               superseded_verified_at, hash_algorithm)
            SELECT 'fill', 'stream' || (i % 20), 'key-' || i, n, n = CASE WHEN i <= {superseded} THEN 3 ELSE 1 END,
                   jsonb_build_object('id', i, 'version', n, 'name', 'Person ' || i, 'note', repeat('x', 200)), true,
                   decode(md5(i::text || '/' || n), 'hex'), now() - interval '400 days' + n * interval '1 day', gen_random_uuid(),
                   CASE WHEN n < CASE WHEN i <= {superseded} THEN 3 ELSE 1 END THEN now() - interval '390 days' END, 'xxhash128'
              FROM generate_series(1, {total}) i, generate_series(1, CASE WHEN i <= {superseded} THEN 3 ELSE 1 END) n
            """,
            """
            INSERT INTO ingestion.runs (run_id, source, stream, status, started_at, completed_at, records_fetched, records_unchanged)
            SELECT gen_random_uuid(), 'fill', 'stream' || (r % 20), 'succeeded', now() - interval '1 day' - r * interval '5 minutes',
                   now() - interval '1 day' - r * interval '5 minutes' + interval '1 minute', 500, 500
              FROM generate_series(1, 100000) r
            """,
            "VACUUM ANALYZE",
        ];
        foreach (var sql in statements)
        {
            await using var command = dataSource.CreateCommand(sql);
            await command.ExecuteNonQueryAsync();
        }
    }

    private static async Task<double> MillisecondsAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        var stopwatch = Stopwatch.StartNew();
        await command.ExecuteScalarAsync();
        return stopwatch.Elapsed.TotalMilliseconds;
    }

    // Best of the rounds: the highest throughput, the lowest time.
    private static void Keep(Dictionary<string, (double Empty, double Full)> results, string name, string store, double value, bool higherIsBetter)
    {
        var current = results.TryGetValue(name, out var found) ? found : (Empty: double.NaN, Full: double.NaN);
        double Best(double old) => double.IsNaN(old) ? value : higherIsBetter ? Math.Max(old, value) : Math.Min(old, value);
        results[name] = store == "empty" ? (Best(current.Empty), current.Full) : (current.Empty, Best(current.Full));
    }

    private static double Rate(int count, TimeSpan elapsed) => count / elapsed.TotalSeconds;

    private sealed record Store(NpgsqlDataSource DataSource, PostgresStoreContext Context, PostgresRawStore Raw, PostgresRunLog RunLog) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Context.DisposeAsync();
            await DataSource.DisposeAsync();
        }
    }
}
