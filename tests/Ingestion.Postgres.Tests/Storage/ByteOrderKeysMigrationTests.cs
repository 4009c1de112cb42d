using System.Text;
using Ingestion.Postgres.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Ingestion.Postgres.Tests.Storage;

/// <summary>
/// Migration 0009 makes the raw and derived stores' key columns compare byte by byte (<c>COLLATE "C"</c>) whatever the
/// database's locale. Records written under the schema before it are found, verified unchanged and listed through the views
/// after it, new records are written beside them, and privileges granted on the views are kept.
/// </summary>
public sealed class ByteOrderKeysMigrationTests(PostgresServerFixture server)
{
    private const int PreviousSchemaVersion = 8;
    private static readonly DateTimeOffset Before = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly StreamId Items = new("shop", "items");
    private static readonly string[] Keys = ["b", "B", "a-1", "ä", "Z", "日本"];
    private const string Json = """{"v":1}""";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Keys_written_before_compare_byte_by_byte_afterwards_and_are_still_found_and_unchanged()
    {
        await using var dataSource = NpgsqlDataSource.Create(await server.CreateDatabaseAsync("byte_order_keys"));
        await new PostgresMigrator(dataSource).MigrateAsync(PreviousSchemaVersion, Cancel);
        foreach (var key in Keys)
        {
            await PreviousSchemaRecords.WriteAsync(dataSource, Items, key, Json, Before, Cancel);
        }

        // A reporting role's privilege on a view outlives the migration, which has to make the views again.
        var reader = "ingestion_reader_" + Guid.NewGuid().ToString("N");
        await ExecuteAsync(dataSource, $"CREATE ROLE {reader} NOLOGIN; GRANT SELECT ON ingestion.v_latest_records TO {reader}");
        try
        {
            await new PostgresMigrator(dataSource).MigrateAsync(Cancel);
            await using var privilege = dataSource.CreateCommand($"SELECT has_table_privilege('{reader}', 'ingestion.v_latest_records', 'SELECT'), has_table_privilege('{reader}', 'ingestion.v_records_needing_retry', 'SELECT')");
            await using var privileges = await privilege.ExecuteReaderAsync(Cancel);
            Assert.True(await privileges.ReadAsync(Cancel));
            Assert.Equal((true, false), (privileges.GetBoolean(0), privileges.GetBoolean(1)));
        }
        finally
        {
            await ExecuteAsync(dataSource, $"DROP OWNED BY {reader}; DROP ROLE {reader}");
        }

        await using (var collations = dataSource.CreateCommand("""
            SELECT table_name || '.' || column_name || ' ' || coalesce(collation_name, 'default')
              FROM information_schema.columns
             WHERE table_schema = 'ingestion' AND table_name IN ('raw_records', 'record_keys', 'derived_inputs', 'derived_records')
               AND column_name IN ('source', 'stream', 'key', 'full_key', 'deriver', 'input_key', 'full_input_key')
             ORDER BY 1
            """))
        {
            Assert.Equal(
                [
                    "derived_inputs.deriver C", "derived_inputs.full_input_key C", "derived_inputs.input_key C",
                    "derived_records.deriver C", "derived_records.full_input_key C", "derived_records.full_key C", "derived_records.input_key C", "derived_records.key C",
                    "raw_records.key C", "raw_records.source C", "raw_records.stream C",
                    "record_keys.full_key C", "record_keys.key C", "record_keys.source C", "record_keys.stream C",
                ],
                await ReadStringsAsync(collations));
        }

        var services = new ServiceCollection();
        services.AddIngestion(ingestion => ingestion.UsePostgres(dataSource));
        await using var provider = services.BuildServiceProvider();
        var raw = provider.GetRequiredService<IRawStore>();
        foreach (var key in Keys)
        {
            Assert.Equal(key, (await raw.GetLatestAsync(Items, key, Cancel))?.Key);
        }

        var result = await raw.WriteBatchAsync(new RawBatch
        {
            Stream = Items,
            RunId = Guid.NewGuid(),
            FetchedAt = Before.AddDays(1),
            Records = [.. Keys.Append("new").Select(key => new RawRecordWrite { Key = key, Payload = Encoding.UTF8.GetBytes(Json), Hash = PreviousSchemaRecords.Sha256Of(Json) })],
        }, Cancel);
        Assert.Equal((1, 0, Keys.Length), (result.New, result.Changed, result.Unchanged));

        string[] inByteOrder = [.. Keys.Append("new").OrderBy(key => Encoding.UTF8.GetBytes(key), ByteOrder.Instance)];
        var listed = new List<string>();
        await foreach (var record in raw.QueryLatestAsync(Items, null, Cancel))
        {
            listed.Add(record.Key);
        }

        Assert.Equal(inByteOrder, listed);
        await using var view = dataSource.CreateCommand("SELECT key FROM ingestion.v_latest_records ORDER BY key");
        Assert.Equal(inByteOrder, await ReadStringsAsync(view));
    }

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(Cancel);
    }

    private static async Task<List<string>> ReadStringsAsync(NpgsqlCommand command)
    {
        var values = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(Cancel);
        while (await reader.ReadAsync(Cancel))
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
