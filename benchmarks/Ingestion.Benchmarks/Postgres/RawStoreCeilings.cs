using System.Diagnostics;
using Ingestion.Postgres.Storage.Internal;
using Npgsql;
using NpgsqlTypes;

namespace Ingestion.Benchmarks.Postgres;

/// <summary>
/// The most the raw store's schema lets a writer reach against the COPY baseline, measured on the same server in the same
/// run: the writes a record needs, with nothing else around them. A new record needs a row in a table shaped and indexed
/// like <c>raw_records</c> and one in a table like <c>record_keys</c> (both copied from the store's own definitions, so they
/// follow its migrations); here they go in by binary COPY, in the store's batches, with no lookup, no classification and no
/// state. An unchanged record needs its <c>record_keys</c> row to say when it was last verified and seen; here one
/// statement sets that on every row, with no lookup and no round trip per batch. Neither can be beaten by a writer that
/// keeps those rows, so the store's own ratios are read against these.
/// </summary>
internal static class RawStoreCeilings
{
    public static async Task RunAsync(NpgsqlDataSource dataSource, List<RawRecordWrite> records, int rounds)
    {
        TimeSpan copy = TimeSpan.MaxValue, created = TimeSpan.MaxValue, verified = TimeSpan.MaxValue;
        for (var round = 0; round < rounds; round++)
        {
            copy = Min(copy, await PostgresBenchmarks.CopyBaselineAsync(dataSource, records));
            await CreateTablesAsync(dataSource);
            await PostgresBenchmarks.Vacuum(dataSource);
            var stopwatch = Stopwatch.StartNew();
            await PostgresBenchmarks.CopyRowsAsync(dataSource, records, "ceiling_records");
            await CopyKeysAsync(dataSource, records);
            created = Min(created, stopwatch.Elapsed);
            await PostgresBenchmarks.Vacuum(dataSource);
            verified = Min(verified, await VerifyAllAsync(dataSource));
        }

        await using (var drop = dataSource.CreateCommand("DROP TABLE ceiling_records, ceiling_keys, copy_baseline"))
        {
            await drop.ExecuteNonQueryAsync();
        }

        var newCeiling = copy / created;
        var unchangedCeiling = copy / verified;
        Console.WriteLine();
        Console.WriteLine($"What the schema allows (best of {rounds}, each round against its own COPY of the same rows):");
        Console.WriteLine($"  new: COPY into tables like raw_records and record_keys, nothing else      {records.Count / created.TotalSeconds,10:N0} records/s  {newCeiling:F2}x COPY (bar >= 0.6x)");
        Console.WriteLine($"  unchanged: one UPDATE of every key's verification time, nothing else       {records.Count / verified.TotalSeconds,10:N0} records/s  {unchangedCeiling:F2}x COPY (bar >= 3x)");
        const string CopyBaseline = "binary COPY into an unindexed table (throughput)";
        RatioSummary.Add("raw store's schema at best, new: its two COPYs and nothing else", newCeiling, CopyBaseline, "the 0.6x bar's ceiling");
        RatioSummary.Add("raw store's schema at best, unchanged: one UPDATE of every key, nothing else", unchangedCeiling, CopyBaseline, "the 3x bar's ceiling");
    }

    // Shaped like the store's tables: columns, collations, defaults, checks, indexes and storage parameters (fillfactor).
    private static async Task CreateTablesAsync(NpgsqlDataSource dataSource)
    {
        await using var create = dataSource.CreateCommand(
            """
            DROP TABLE IF EXISTS ceiling_records, ceiling_keys;
            CREATE TABLE ceiling_records (LIKE ingestion.raw_records INCLUDING ALL);
            CREATE TABLE ceiling_keys (LIKE ingestion.record_keys INCLUDING ALL);
            DO $$
            DECLARE options text;
            BEGIN
                SELECT string_agg(option, ', ') INTO options FROM pg_class, unnest(reloptions) AS option WHERE oid = 'ingestion.raw_records'::regclass;
                IF options IS NOT NULL THEN EXECUTE format('ALTER TABLE ceiling_records SET (%s)', options); END IF;
                SELECT string_agg(option, ', ') INTO options FROM pg_class, unnest(reloptions) AS option WHERE oid = 'ingestion.record_keys'::regclass;
                IF options IS NOT NULL THEN EXECUTE format('ALTER TABLE ceiling_keys SET (%s)', options); END IF;
            END $$;
            """);
        await create.ExecuteNonQueryAsync();
    }

    // The columns a new key's row has values for; the others keep their defaults, as in the store.
    private static async Task CopyKeysAsync(NpgsqlDataSource dataSource, List<RawRecordWrite> records)
    {
        var now = DateTimeOffset.UtcNow;
        for (var offset = 0; offset < records.Count; offset += PostgresBenchmarks.RecordBatch)
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            await using var writer = await connection.BeginBinaryImportAsync(
                """
                COPY ceiling_keys (source, stream, key, hash, latest_version, max_version, latest_is_partial, first_seen_at, last_seen_at,
                                   last_verified_at, last_written_at, hash_algorithm)
                FROM STDIN (FORMAT BINARY)
                """);
            foreach (var record in records.GetRange(offset, Math.Min(PostgresBenchmarks.RecordBatch, records.Count - offset)))
            {
                await writer.StartRowAsync();
                await writer.WriteAsync("bench", NpgsqlDbType.Text);
                await writer.WriteAsync("people", NpgsqlDbType.Text);
                await writer.WriteAsync(record.Key, NpgsqlDbType.Text);
                await writer.WriteAsync(record.Hash.ToArray(), NpgsqlDbType.Bytea);
                await writer.WriteAsync(1, NpgsqlDbType.Integer);
                await writer.WriteAsync(1, NpgsqlDbType.Integer);
                await writer.WriteAsync(false, NpgsqlDbType.Boolean);
                for (var column = 0; column < 4; column++)
                {
                    await writer.WriteAsync(now, NpgsqlDbType.TimestampTz);
                }

                await writer.WriteAsync(PostgresRawStore.AlgorithmName(record.Hash.Algorithm), NpgsqlDbType.Text);
            }

            await writer.CompleteAsync();
        }
    }

    private static async Task<TimeSpan> VerifyAllAsync(NpgsqlDataSource dataSource)
    {
        await using var update = dataSource.CreateCommand("UPDATE ceiling_keys SET last_verified_at = $1, last_seen_at = $1");
        update.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = DateTimeOffset.UtcNow.AddMinutes(1) });
        var stopwatch = Stopwatch.StartNew();
        await update.ExecuteNonQueryAsync();
        return stopwatch.Elapsed;
    }

    private static TimeSpan Min(TimeSpan left, TimeSpan right) => left < right ? left : right;
}
