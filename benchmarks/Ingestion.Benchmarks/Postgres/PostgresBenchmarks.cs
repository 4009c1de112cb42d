using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Ingestion.Postgres;
using Ingestion.Postgres.Internal;
using Ingestion.Postgres.Queue.Internal;
using Ingestion.Postgres.Storage.Internal;
using Ingestion.Samples;
using Npgsql;
using NpgsqlTypes;

namespace Ingestion.Benchmarks.Postgres;

/// <summary>
/// The PostgreSQL store's throughput and latency against baselines measured in the same run on the same server:
/// <c>dotnet run -c Release --project benchmarks/Ingestion.Benchmarks -- postgres [raw|queue|queue-profile|all] [--raw-rounds 3] [--store-only]</c>
/// (the queue's options are in <see cref="QueueBenchmarks"/>; <c>--store-only</c> measures the raw store against COPY without
/// the upsert loop and the schema's limits, for comparing two builds of the store).
/// Uses <c>INGESTION_TEST_POSTGRES</c> when set, otherwise a throwaway cluster from the machine's binaries.
/// A console run rather than BenchmarkDotNet: each figure is one long burn-down, which its iteration model does not fit.
/// </summary>
internal static class PostgresBenchmarks
{
    private const int Records = 100_000;
    internal const int RecordBatch = 5_000;

    public static async Task<int> RunAsync(string[] args)
    {
        var which = args.Length > 0 ? args[0] : "all";
        await using var server = await LocalPostgresServer.StartWithoutContainerAsync();
        Console.WriteLine(server.IsLocalCluster
            ? $"Server: {server.Description} (fsync=off, synchronous_commit=off, shared_buffers=128MB), same machine."
            : $"Server: {server.Description}.");
        await using (var admin = new NpgsqlConnection(server.AdminConnectionString))
        {
            await admin.OpenAsync();
            await using var version = new NpgsqlCommand("SELECT version()", admin);
            Console.WriteLine((string)(await version.ExecuteScalarAsync())!);
        }

        Console.WriteLine($"Client: .NET {Environment.Version}, {Environment.ProcessorCount} cores shared with the server.");
        if (which is "all" or "raw")
        {
            await RawStoreAsync(await server.CreateDatabaseAsync("bench_raw"), QueueBenchmarks.IntOption(args, "--raw-rounds", 3), storeOnly: args.Contains("--store-only"));
        }

        if (which is "all" or "queue")
        {
            await QueueBenchmarks.RunAsync(server, args.Length > 1 ? args[1..] : []);
        }

        if (which is "queue-profile")
        {
            await QueueProfile.RunAsync(server, args.Length > 1 ? args[1..] : []);
        }

        return 0;
    }

    private static async Task RawStoreAsync(string connectionString, int rounds, bool storeOnly)
    {
        Console.WriteLine();
        Console.WriteLine($"== Raw store: {Records:N0} records of ~1 KB, batches of {RecordBatch:N0} ==");
        var records = MakeRecords(Records);
        Console.WriteLine($"average payload {records.Average(record => record.Payload.Length):N0} bytes");

        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await new PostgresMigrator(dataSource).MigrateAsync(CancellationToken.None);
        await using var context = new PostgresStoreContext(dataSource, new PostgresStoreOptions(), TimeProvider.System);
        var store = new PostgresRawStore(context);

        // Warm up every path (JIT, plans, connections) on other streams.
        var warmUp = records.Take(2 * RecordBatch).ToList();
        await WriteAllAsync(store, new StreamId("warm", "up"), warmUp, DateTimeOffset.UtcNow);
        await WriteAllAsync(store, new StreamId("warm", "up"), warmUp, DateTimeOffset.UtcNow);
        await CopyBaselineAsync(dataSource, warmUp);
        await UpsertLoopAsync(dataSource, warmUp, "warm-up");
        await UpsertLoopAsync(dataSource, warmUp, "warm-up");

        // Other work shares this machine: each figure is the best of the rounds (three unless --raw-rounds says), interleaved so that all see the
        // same load. Every round starts from empty tables, so no round writes into a table the one before it grew.
        TimeSpan copy = TimeSpan.MaxValue, created = TimeSpan.MaxValue, unchanged = TimeSpan.MaxValue;
        TimeSpan loopNew = TimeSpan.MaxValue, loopUnchanged = TimeSpan.MaxValue;
        for (var round = 0; round < rounds; round++)
        {
            var stream = new StreamId("bench", "people");
            await EmptyTablesAsync(dataSource);
            copy = Min(copy, await CopyBaselineAsync(dataSource, records));
            await Vacuum(dataSource);
            created = Min(created, await WriteAllAsync(store, stream, records, DateTimeOffset.UtcNow));
            await Vacuum(dataSource);
            unchanged = Min(unchanged, await WriteAllAsync(store, stream, records, DateTimeOffset.UtcNow.AddMinutes(1)));
            if (storeOnly)
            {
                continue;
            }

            await Vacuum(dataSource);
            loopNew = Min(loopNew, await UpsertLoopAsync(dataSource, records, "people"));
            await Vacuum(dataSource);
            loopUnchanged = Min(loopUnchanged, await UpsertLoopAsync(dataSource, records, "people"));
        }

        Report("plain binary COPY into an unindexed table (baseline)", Records, copy);
        Report("raw store, new records", Records, created, copy);
        Report("raw store, re-sync unchanged", Records, unchanged, copy);
        if (storeOnly)
        {
            return;
        }

        Report("per-record upsert loop (the seeds' writer), new", Records, loopNew, copy);
        Report("per-record upsert loop (the seeds' writer), unchanged", Records, loopUnchanged, copy);

        Console.WriteLine();
        Console.WriteLine($"new vs COPY:               {Rate(Records, created) / Rate(Records, copy):F2}x  (bar >= 0.6x)");
        Console.WriteLine($"unchanged vs COPY:         {Rate(Records, unchanged) / Rate(Records, copy):F2}x  (bar >= 3x)");
        Console.WriteLine($"new vs upsert loop:        {loopNew / created:F1}x  (bar >= 10x)");
        Console.WriteLine($"unchanged vs upsert loop:  {loopUnchanged / unchanged:F1}x  (bar >= 40x)");
        const string CopyBaseline = "binary COPY into an unindexed table (throughput)";
        RatioSummary.Add($"raw store, {Records:N0} new ~1 KB records", Rate(Records, created) / Rate(Records, copy), CopyBaseline, ">= 0.6x");
        RatioSummary.Add($"raw store, the same {Records:N0} again, unchanged", Rate(Records, unchanged) / Rate(Records, copy), CopyBaseline, ">= 3x");
        RatioSummary.Add("raw store, new records", loopNew / created, "per-record upsert loop (throughput)", ">= 10x");
        RatioSummary.Add("raw store, unchanged records", loopUnchanged / unchanged, "per-record upsert loop (throughput)", ">= 40x");

        await HotUpdateShareAsync(connectionString, records);
        await RawStoreCeilings.RunAsync(dataSource, records, rounds);
    }

    // How many of a re-sync's record_keys updates PostgreSQL made in place (HOT: same page, no new index entry). PostgreSQL
    // does not promise HOT (it needs free space on the row's page, which the table's fillfactor leaves), so this is a
    // benchmark figure, not a test.
    private static async Task HotUpdateShareAsync(string connectionString, List<RawRecordWrite> records)
    {
        // One connection: pg_stat_force_next_flush() flushes only the counters of the backend that calls it.
        await using var dataSource = NpgsqlDataSource.Create(connectionString + ";Maximum Pool Size=1");
        await using var context = new PostgresStoreContext(dataSource, new PostgresStoreOptions(), TimeProvider.System);
        var store = new PostgresRawStore(context);
        var stream = new StreamId("bench", "hot-updates");
        await WriteAllAsync(store, stream, records, DateTimeOffset.UtcNow);
        var before = await KeyUpdateCountersAsync(dataSource);
        await WriteAllAsync(store, stream, records, DateTimeOffset.UtcNow.AddMinutes(1));
        var after = await KeyUpdateCountersAsync(dataSource);
        var updates = after.Updates - before.Updates;
        var hot = after.Hot - before.Hot;
        Console.WriteLine($"re-sync unchanged, record_keys updates made in place (HOT): {hot:N0} of {updates:N0} ({(updates == 0 ? 0 : hot / (double)updates):P1})");
    }

    private static async Task<(long Updates, long Hot)> KeyUpdateCountersAsync(NpgsqlDataSource dataSource)
    {
        await using (var flush = dataSource.CreateCommand("SELECT pg_stat_force_next_flush()"))
        {
            await flush.ExecuteNonQueryAsync();
        }

        await using var read = dataSource.CreateCommand(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE schemaname = 'ingestion' AND relname = 'record_keys'");
        await using var reader = await read.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetInt64(0), reader.GetInt64(1)) : (0, 0);
    }

    internal static async Task<TimeSpan> WriteAllAsync(PostgresRawStore store, StreamId stream, List<RawRecordWrite> records, DateTimeOffset fetchedAt)
    {
        var stopwatch = Stopwatch.StartNew();
        var runId = Guid.NewGuid();
        for (var offset = 0; offset < records.Count; offset += RecordBatch)
        {
            await store.WriteBatchAsync(new RawBatch
            {
                Stream = stream,
                RunId = runId,
                FetchedAt = fetchedAt,
                Records = records.GetRange(offset, Math.Min(RecordBatch, records.Count - offset)),
                State = new SyncState { Stream = stream, Checkpoint = offset.ToString(CultureInfo.InvariantCulture), UpdatedAt = fetchedAt },
            }, CancellationToken.None);
        }

        return stopwatch.Elapsed;
    }

    /// <summary>The same rows and columns the raw store writes, copied into a table with no index, in the same batches.</summary>
    internal static async Task<TimeSpan> CopyBaselineAsync(NpgsqlDataSource dataSource, List<RawRecordWrite> records)
    {
        await using (var create = dataSource.CreateCommand(
            """
            DROP TABLE IF EXISTS copy_baseline;
            CREATE TABLE copy_baseline (source text, stream text, key text, version integer, is_latest boolean, payload jsonb,
                                        is_json boolean, hash bytea, fetched_at timestamptz, run_id uuid);
            """))
        {
            await create.ExecuteNonQueryAsync();
        }

        var stopwatch = Stopwatch.StartNew();
        await CopyRowsAsync(dataSource, records, "copy_baseline");
        return stopwatch.Elapsed;
    }

    /// <summary>The columns a new record's row in the raw store has values for, copied into <paramref name="table"/> in the store's batches.</summary>
    internal static async Task CopyRowsAsync(NpgsqlDataSource dataSource, List<RawRecordWrite> records, string table)
    {
        var now = DateTimeOffset.UtcNow;
        var runId = Guid.NewGuid();
        for (var offset = 0; offset < records.Count; offset += RecordBatch)
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            await using var writer = await connection.BeginBinaryImportAsync(
                $"COPY {table} (source, stream, key, version, is_latest, payload, is_json, hash, fetched_at, run_id) FROM STDIN (FORMAT BINARY)");
            foreach (var record in records.GetRange(offset, Math.Min(RecordBatch, records.Count - offset)))
            {
                await writer.StartRowAsync();
                await writer.WriteAsync("bench", NpgsqlDbType.Text);
                await writer.WriteAsync("people", NpgsqlDbType.Text);
                await writer.WriteAsync(record.Key, NpgsqlDbType.Text);
                await writer.WriteAsync(1, NpgsqlDbType.Integer);
                await writer.WriteAsync(true, NpgsqlDbType.Boolean);
                await writer.WriteAsync(record.Payload, NpgsqlDbType.Jsonb);
                await writer.WriteAsync(true, NpgsqlDbType.Boolean);
                await writer.WriteAsync(record.Hash.ToArray(), NpgsqlDbType.Bytea);
                await writer.WriteAsync(now, NpgsqlDbType.TimestampTz);
                await writer.WriteAsync(runId, NpgsqlDbType.Uuid);
            }

            await writer.CompleteAsync();
        }
    }

    /// <summary>How the seeds wrote: per record, read the latest hash, then verify, or supersede and insert; one transaction each.</summary>
    private static async Task<TimeSpan> UpsertLoopAsync(NpgsqlDataSource dataSource, List<RawRecordWrite> records, string stream)
    {
        await using (var create = dataSource.CreateCommand(
            """
            CREATE TABLE IF NOT EXISTS seed_raw_data (key text NOT NULL, endpoint text NOT NULL, api_response jsonb NOT NULL, data_hash text NOT NULL,
                                                      collected_at timestamptz NOT NULL, last_verified_at timestamptz NOT NULL, is_latest boolean NOT NULL);
            CREATE UNIQUE INDEX IF NOT EXISTS seed_raw_data_latest ON seed_raw_data (endpoint, key) WHERE is_latest;
            """))
        {
            await create.ExecuteNonQueryAsync();
        }

        var stopwatch = Stopwatch.StartNew();
        await using var connection = await dataSource.OpenConnectionAsync();
        foreach (var record in records)
        {
            var hash = record.Hash.ToHex();
            await using var transaction = await connection.BeginTransactionAsync();
            await using var select = new NpgsqlCommand("SELECT data_hash FROM seed_raw_data WHERE endpoint = $1 AND key = $2 AND is_latest", connection, transaction);
            select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream });
            select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = record.Key });
            var existing = (string?)await select.ExecuteScalarAsync();
            if (existing == hash)
            {
                await using var verify = new NpgsqlCommand("UPDATE seed_raw_data SET last_verified_at = now() WHERE endpoint = $1 AND key = $2 AND is_latest", connection, transaction);
                verify.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream });
                verify.Parameters.Add(new NpgsqlParameter<string> { TypedValue = record.Key });
                await verify.ExecuteNonQueryAsync();
            }
            else
            {
                if (existing is not null)
                {
                    await using var supersede = new NpgsqlCommand("UPDATE seed_raw_data SET is_latest = false WHERE endpoint = $1 AND key = $2 AND is_latest", connection, transaction);
                    supersede.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream });
                    supersede.Parameters.Add(new NpgsqlParameter<string> { TypedValue = record.Key });
                    await supersede.ExecuteNonQueryAsync();
                }

                await using var insert = new NpgsqlCommand(
                    "INSERT INTO seed_raw_data (key, endpoint, api_response, data_hash, collected_at, last_verified_at, is_latest) VALUES ($1, $2, $3, $4, now(), now(), true)",
                    connection, transaction);
                insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = record.Key });
                insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream });
                insert.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>>(string.Empty, NpgsqlDbType.Jsonb) { TypedValue = record.Payload });
                insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = hash });
                await insert.ExecuteNonQueryAsync();
            }

            await transaction.CommitAsync();
        }

        return stopwatch.Elapsed;
    }

    internal static List<RawRecordWrite> MakeRecords(int count)
    {
        var random = new Random(42);
        var words = new[] { "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima" };
        var records = new List<RawRecordWrite>(count);
        var builder = new StringBuilder(1200);
        for (var index = 0; index < count; index++)
        {
            builder.Clear();
            builder.Append(CultureInfo.InvariantCulture, $$"""{"id":{{index}},"first_name":"Person{{index}}","last_name":"{{words[index % words.Length]}}","email":"person{{index}}@example.com",""");
            builder.Append(CultureInfo.InvariantCulture, $$"""{{"\""}}department":"{{words[random.Next(words.Length)]}}","salary":{{random.Next(20_000, 90_000)}},"active":true,"hired_at":"2020-01-{{(index % 28) + 1:00}}",""");
            builder.Append("\"address\":{\"street\":\"Main street 1\",\"city\":\"Amsterdam\",\"postal_code\":\"1011AB\"},\"notes\":\"");
            while (builder.Length < 1000)
            {
                builder.Append(words[random.Next(words.Length)]).Append(' ');
            }

            builder.Append("\"}");
            var payload = Encoding.UTF8.GetBytes(builder.ToString());
            records.Add(new RawRecordWrite { Key = "person-" + index.ToString(CultureInfo.InvariantCulture), Payload = payload, Hash = ContentHasher.ComputeRaw(payload, ContentHashAlgorithm.XxHash128) });
        }

        return records;
    }

    // The raw store's tables, the baselines' and the upsert loop's, emptied and analysed.
    private static async Task EmptyTablesAsync(NpgsqlDataSource dataSource)
    {
        await using (var empty = dataSource.CreateCommand(
            "TRUNCATE ingestion.raw_records, ingestion.record_keys, ingestion.sync_state, ingestion.runs, ingestion.retry_log; DROP TABLE IF EXISTS copy_baseline, seed_raw_data"))
        {
            await empty.ExecuteNonQueryAsync();
        }

        await Vacuum(dataSource);
    }

    internal static async Task Vacuum(NpgsqlDataSource dataSource)
    {
        await using var vacuum = dataSource.CreateCommand("VACUUM ANALYZE");
        await vacuum.ExecuteNonQueryAsync();
    }

    private static TimeSpan Min(TimeSpan left, TimeSpan right) => left < right ? left : right;

    private static double Rate(int count, TimeSpan elapsed) => count / elapsed.TotalSeconds;

    private static void Report(string name, int count, TimeSpan elapsed, TimeSpan? baseline = null)
    {
        var ratio = baseline is { } copy ? $"  {Rate(count, elapsed) / Rate(Records, copy):F2}x COPY" : string.Empty;
        Console.WriteLine($"{name,-58} {Rate(count, elapsed),10:N0} records/s  ({elapsed.TotalSeconds:F2} s){ratio}");
    }
}
