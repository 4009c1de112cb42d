using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Ingestion.Postgres;
using Ingestion.Postgres.Internal;
using Ingestion.Postgres.Queue.Internal;
using Ingestion.Samples;
using Npgsql;

namespace Ingestion.Benchmarks.Postgres;

/// <summary>
/// Where a burn-down's time goes, per claim batch size (4 workers): round trips, client and server CPU, allocations and
/// connection-pool waits per job, the growth of <c>jobs</c> and its indexes, and the plans of the claim and the completion
/// halfway through the drain (<c>EXPLAIN (ANALYZE, BUFFERS)</c> of the prepared statements, rolled back).
/// <c>postgres queue-profile [--jobs 100000] [--batches 1,10,100,500] [--separate]</c>.
/// </summary>
internal static class QueueProfile
{
    public static async Task RunAsync(LocalPostgresServer server, string[] args)
    {
        var jobs = args.Contains("--jobs") ? int.Parse(args[Array.IndexOf(args, "--jobs") + 1], CultureInfo.InvariantCulture) : 100_000;
        var batches = args.Contains("--batches")
            ? args[Array.IndexOf(args, "--batches") + 1].Split(',').Select(text => int.Parse(text, CultureInfo.InvariantCulture)).ToArray()
            : [1, 10, 100, 500];
        var separate = args.Contains("--separate");
        Console.WriteLine();
        Console.WriteLine($"== Job queue profile: burn-down of {jobs:N0} no-op jobs, 4 workers{(separate ? ", completion and next claim as separate calls" : string.Empty)} ==");
        await using var dataSource = NpgsqlDataSource.Create(await server.CreateDatabaseAsync("bench_queue_profile"));
        await new PostgresMigrator(dataSource).MigrateAsync(CancellationToken.None);
        await Execute(dataSource, "CREATE EXTENSION IF NOT EXISTS pgstattuple");
        await using var context = new PostgresStoreContext(dataSource, new PostgresStoreOptions(), TimeProvider.System);
        await using var queue = new PostgresJobQueue(context);
        await QueueBenchmarks.BurnDownAsync(dataSource, queue, 4, 100, 20_000);

        using var pool = new PoolWaits();
        foreach (var batch in batches)
        {
            var plans = new StringBuilder();
            var sizes = string.Empty;
            var pids = await ServerPidsAsync(dataSource);
            var serverBefore = CpuTicks(pids);
            var clientBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            pool.Reset();
            var counters = new QueueBenchmarks.Counters();
            var rate = await QueueBenchmarks.BurnDownAsync(dataSource, queue, 4, batch, jobs, counters, async done =>
            {
                sizes = await SizesAsync(dataSource);
                plans.Append(await ExplainAsync(dataSource, queue, batch));
            }, separate);
            var clientCpu = Process.GetCurrentProcess().TotalProcessorTime - clientBefore;
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            var serverCpu = serverBefore is null ? null : CpuTicks(pids) - serverBefore;
            var end = await SizesAsync(dataSource);

            Console.WriteLine();
            Console.WriteLine($"-- claim batch {batch}: {rate:N0} jobs/s (the halfway EXPLAIN pauses one worker)");
            Console.WriteLine($"   round trips per job: {counters.RoundTrips / (double)jobs:F3} ({counters.Claims:N0} claims, {counters.Completions:N0} completions{(separate ? ", each its own call" : ", each completion with the next claim in one call")}); NOTIFY: none per claim or completion, one per enqueue call of {5_000:N0} jobs");
            Console.WriteLine($"   CPU per job: client {clientCpu.TotalMicroseconds / jobs:F0} us, server {(serverCpu is { } ticks ? (ticks * 10_000.0 / jobs).ToString("F0", CultureInfo.InvariantCulture) + " us (backends of this database and the background processes)" : "n/a (server not on this machine)")}");
            Console.WriteLine($"   client allocations per job: {allocated / (double)jobs:N0} bytes; connection-pool requests that waited: max {pool.MaxPending} pending at once");
            Console.WriteLine($"   jobs table halfway: {sizes}");
            Console.WriteLine($"   jobs table at the end: {end}");
            Console.Write(plans);
        }
    }

    /// <summary>Heap and index sizes of the hot table, with the dead tuples and index entries that the drain has left.</summary>
    private static async Task<string> SizesAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT (SELECT dead_tuple_count FROM pgstattuple('ingestion.jobs')), (SELECT tuple_count FROM pgstattuple('ingestion.jobs')),
                   pg_relation_size('ingestion.jobs') / 8192,
                   (SELECT leaf_pages FROM pgstatindex('ingestion.jobs_runnable')), pg_relation_size('ingestion.jobs_runnable') / 8192,
                   (SELECT leaf_pages FROM pgstatindex('ingestion.jobs_leases')), pg_relation_size('ingestion.jobs_pkey') / 8192
            """);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{reader.GetInt64(1):N0} live and {reader.GetInt64(0):N0} dead rows in {reader.GetInt64(2):N0} heap pages; jobs_runnable {reader.GetInt64(3):N0} leaf pages, jobs_leases {reader.GetInt64(5):N0}, jobs_pkey {reader.GetInt64(6):N0} pages");
    }

    /// <summary>The claim and the completion as the queue runs them (prepared, so a generic plan), inside a transaction that is rolled back.</summary>
    private static async Task<string> ExplainAsync(NpgsqlDataSource dataSource, PostgresJobQueue queue, int batch)
    {
        var text = new StringBuilder();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await Execute(connection, $"PREPARE probe_claim (timestamptz, integer, interval, text, text[], text[]) AS {queue.ClaimSql}");
        await Execute(connection, $"PREPARE probe_complete (bigint[], uuid[], text[], timestamptz) AS {queue.CompleteSql}");
        await Execute(connection, $"SET LOCAL plan_cache_mode = {(queue.PreparesStatements ? "force_generic_plan" : "force_custom_plan")}");
        if (queue.ClaimSettingsSql is { } settings)
        {
            await Execute(connection, settings);
        }

        var now = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        text.AppendLine(CultureInfo.InvariantCulture, $"   EXPLAIN (ANALYZE, BUFFERS) of the claim of {batch} ({(queue.PreparesStatements ? "generic plan, as prepared" : "custom plan")}):");
        text.Append(await PlanAsync(connection, $"EXECUTE probe_claim('{now}', {batch}, '5 minutes', 'profile', NULL, NULL)"));

        var ids = new List<long>();
        var tokens = new List<Guid>();
        await using (var claimed = new NpgsqlCommand("SELECT id, lease_token FROM ingestion.jobs WHERE locked_by = 'profile'", connection))
        await using (var reader = await claimed.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                ids.Add(reader.GetInt64(0));
                tokens.Add(reader.GetGuid(1));
            }
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"   EXPLAIN (ANALYZE, BUFFERS) of the completion of those {ids.Count}:");
        text.Append(await PlanAsync(
            connection,
            $"EXECUTE probe_complete('{{{string.Join(',', ids)}}}', '{{{string.Join(',', tokens)}}}', '{{{string.Join(',', ids.Select(_ => "NULL"))}}}', '{now}')"));
        await transaction.RollbackAsync();
        // Only these two: DEALLOCATE ALL would also drop the statements Npgsql prepared for the queue on this pooled connection.
        await Execute(connection, "DEALLOCATE probe_claim");
        await Execute(connection, "DEALLOCATE probe_complete");
        return text.ToString();
    }

    private static async Task<string> PlanAsync(NpgsqlConnection connection, string statement)
    {
        var text = new StringBuilder();
        await using var command = new NpgsqlCommand($"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {statement}", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            text.Append("     ").AppendLine(reader.GetString(0));
        }

        return text.ToString();
    }

    private static async Task<List<int>> ServerPidsAsync(NpgsqlDataSource dataSource)
    {
        var pids = new List<int>();
        await using var command = dataSource.CreateCommand("SELECT pid FROM pg_stat_activity WHERE datname = current_database() OR datname IS NULL");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            pids.Add(reader.GetInt32(0));
        }

        return pids;
    }

    /// <summary>User and system CPU of the processes, in clock ticks (1/100 s), or null when /proc does not show them.</summary>
    private static long? CpuTicks(List<int> pids)
    {
        long total = 0;
        foreach (var pid in pids)
        {
            var path = $"/proc/{pid}/stat";
            if (!File.Exists(path))
            {
                return null;
            }

            // The fields after the command name (which may hold spaces) start at state; utime and stime are the 12th and 13th of them.
            var stat = File.ReadAllText(path);
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            total += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }

        return total;
    }

    private static async Task Execute(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The most connection requests Npgsql's pool had waiting at once (its pending-requests metric, sampled every millisecond).</summary>
    private sealed class PoolWaits : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Timer _timer;
        private long _pending;
        private long _max;

        public PoolWaits()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name.StartsWith("Npgsql", StringComparison.Ordinal) && instrument.Name.Contains("pending_requests", StringComparison.Ordinal))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => Observe(instrument, value));
            _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => Observe(instrument, value));
            _listener.Start();
            _timer = new Timer(_ => _listener.RecordObservableInstruments(), null, 1, 1);
        }

        public long MaxPending => Interlocked.Read(ref _max);

        public void Reset() => Interlocked.Exchange(ref _max, 0);

        // An observable instrument reports the level; an up-down counter reports changes, summed here into the level.
        private void Observe(Instrument instrument, long value)
        {
            var level = instrument.IsObservable ? value : Interlocked.Add(ref _pending, value);
            long max;
            while (level > (max = Interlocked.Read(ref _max)) && Interlocked.CompareExchange(ref _max, level, max) != max)
            {
            }
        }

        public void Dispose()
        {
            _timer.Dispose();
            _listener.Dispose();
        }
    }
}
