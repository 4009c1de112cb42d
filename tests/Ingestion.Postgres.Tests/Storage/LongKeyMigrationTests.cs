using System.Text;
using Ingestion.Postgres.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Ingestion.Postgres.Tests.Storage;

/// <summary>
/// Keys stored before long keys were indexed by digest (schema up to 0006) follow the new rule after the upgrade: a key of
/// 1,500 bytes, which the old index could still hold, and a short key that looks like a digest are read back by their full
/// key, and the same content again is unchanged.
/// </summary>
public sealed class LongKeyMigrationTests(PostgresServerFixture server)
{
    private const int PreviousSchemaVersion = 6;
    private static readonly DateTimeOffset Before = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly StreamId Items = new("shop", "items");
    private static readonly string LongKey = "page:/items?ids=" + string.Join(",", Enumerable.Range(0, 300).Select(i => i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture)));
    private const string Lookalike = "~sha256:not-a-digest";
    private const string Json = """{"v":1}""";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Keys_written_by_the_previous_schema_are_found_by_their_full_key_and_stay_unchanged()
    {
        Assert.InRange(Encoding.UTF8.GetByteCount(LongKey), 1_025, 2_000);
        await using var dataSource = NpgsqlDataSource.Create(await server.CreateDatabaseAsync("long_key_upgrade"));
        await new PostgresMigrator(dataSource).MigrateAsync(PreviousSchemaVersion, Cancel);
        foreach (var key in new[] { LongKey, Lookalike, "plain" })
        {
            await PreviousSchemaRecords.WriteAsync(dataSource, Items, key, Json, Before, Cancel);
        }

        await new PostgresMigrator(dataSource).MigrateAsync(Cancel);
        var services = new ServiceCollection();
        services.AddIngestion(ingestion => ingestion.UsePostgres(dataSource));
        await using var provider = services.BuildServiceProvider();
        var raw = provider.GetRequiredService<IRawStore>();

        foreach (var key in new[] { LongKey, Lookalike, "plain" })
        {
            var latest = await raw.GetLatestAsync(Items, key, Cancel);
            Assert.NotNull(latest);
            Assert.Equal(key, latest.Key);
        }

        var result = await raw.WriteBatchAsync(new RawBatch
        {
            Stream = Items,
            RunId = Guid.NewGuid(),
            FetchedAt = Before.AddDays(1),
            Records = [.. new[] { LongKey, Lookalike, "plain" }.Select(key => new RawRecordWrite { Key = key, Payload = Encoding.UTF8.GetBytes(Json), Hash = PreviousSchemaRecords.Sha256Of(Json) })],
        }, Cancel);
        Assert.Equal((0, 0, 3), (result.New, result.Changed, result.Unchanged));

        await using var keys = dataSource.CreateCommand("SELECT count(*) FROM ingestion.record_keys WHERE full_key IS NOT NULL AND key LIKE '~sha256:%' AND length(key) = 72");
        Assert.Equal(2L, (long)(await keys.ExecuteScalarAsync(Cancel))!);
        await using var view = dataSource.CreateCommand("SELECT key FROM ingestion.v_latest_records ORDER BY key COLLATE \"C\"");
        var viewed = new List<string>();
        await using (var reader = await view.ExecuteReaderAsync(Cancel))
        {
            while (await reader.ReadAsync(Cancel))
            {
                viewed.Add(reader.GetString(0));
            }
        }

        Assert.Equal(new[] { LongKey, Lookalike, "plain" }.Order(StringComparer.Ordinal), viewed);
    }
}
