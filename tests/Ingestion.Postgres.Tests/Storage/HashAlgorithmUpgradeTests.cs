using System.Text;
using Ingestion.Postgres.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;

namespace Ingestion.Postgres.Tests.Storage;

/// <summary>
/// A database written before XxHash128 became the default (schema up to 0004, SHA-256 hashes over the canonical form) keeps
/// working after the upgrade: syncing the same content with the new default writes no new version.
/// </summary>
public sealed class HashAlgorithmUpgradeTests(PostgresServerFixture server)
{
    private const int PreviousSchemaVersion = 4;
    private static readonly DateTimeOffset Before = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    // As the vendor sent them before the upgrade; "seenAt" is an ignored path of the stream.
    private static readonly (string Key, string Json)[] Stored =
    [
        ("1", """{"id":"1","name":"Ada","tags":["a","b"],"seenAt":"2025-03-01T08:00:00Z"}"""),
        ("2", """{"id":"2","name":"Grace","address":{"city":"Arlington","zip":"22201"},"seenAt":"2025-03-01T08:00:00Z"}"""),
        ("3", """{"id":"3","name":"Edsger","amount":12.50,"seenAt":"2025-03-01T08:00:00Z"}"""),
    ];

    // The same content after the upgrade: other key order and whitespace, another seenAt.
    private const string SameContent = """
        {"data":[
          {"seenAt":"2025-04-01T00:00:00Z","tags":["a","b"],"name":"Ada","id":"1"},
          {"address":{"zip":"22201","city":"Arlington"},"id":"2","seenAt":"2025-04-01T00:00:00Z","name":"Grace"},
          { "id" : "3", "amount" : 12.50, "name" : "Edsger", "seenAt" : "2025-04-01T00:00:00Z" }
        ]}
        """;

    [Fact]
    public async Task A_store_hashed_with_sha256_by_the_previous_schema_syncs_the_same_payloads_with_xxhash128_as_unchanged()
    {
        await using var dataSource = NpgsqlDataSource.Create(await server.CreateDatabaseAsync("hash_upgrade"));
        await new PostgresMigrator(dataSource).MigrateAsync(PreviousSchemaVersion, Cancel);
        await WriteAsThePreviousVersionDidAsync(dataSource);

        await using var vendor = await TestHttpServer.StartAsync(app => app.MapGet("/items", (HttpContext context) => TestHttp.WriteJsonAsync(context, SameContent)));
        var services = new ServiceCollection();
        services.AddIngestion(ingestion => ingestion
            .UsePostgres(dataSource)
            .AddRestSource("shop", source => source
                .BaseAddress(vendor.BaseAddress)
                .Resilience(new ResilienceSettings { MaxRetries = 0 })
                .Stream("items", stream => stream.Get("items").Records("$.data").Key("id").IgnorePaths("seenAt"))));
        await using var provider = services.BuildServiceProvider();
        await new PostgresMigrator(dataSource).MigrateAsync(Cancel);
        Assert.Equal(ContentHashAlgorithm.XxHash128, provider.GetRequiredService<IRawStore>().HashAlgorithm);

        var runner = provider.GetRequiredService<ISyncRunner>();
        var upgraded = Assert.Single(await runner.SyncStreamAsync("shop", "items", options: null, Cancel));
        var again = Assert.Single(await runner.SyncStreamAsync("shop", "items", options: null, Cancel));

        Assert.Equal((0L, 0L, 3L), (upgraded.RecordsNew, upgraded.RecordsChanged, upgraded.RecordsUnchanged));
        Assert.Equal((0L, 0L, 3L), (again.RecordsNew, again.RecordsChanged, again.RecordsUnchanged));
        Assert.Equal(3L, await ScalarAsync<long>(dataSource, "SELECT count(*) FROM ingestion.raw_records"));
        Assert.Equal(3L, await ScalarAsync<long>(dataSource, "SELECT count(*) FROM ingestion.raw_records WHERE version = 1 AND hash_algorithm = 'sha256'"));

        // Each key's hash was made again once, with the new default, so later syncs compare in the database.
        Assert.Equal(3L, await ScalarAsync<long>(dataSource, "SELECT count(*) FROM ingestion.record_keys WHERE hash_algorithm = 'xxhash128' AND length(hash) = 16"));
        var xx = new ContentHasher(ContentHashAlgorithm.XxHash128, ["seenAt"]);
        var ada = await provider.GetRequiredService<IRawStore>().GetLatestAsync(new StreamId("shop", "items"), "1", Cancel);
        Assert.NotNull(ada);
        Assert.Equal(ContentHashAlgorithm.Sha256, ada.Hash.Algorithm);
        Assert.True(ada.LastVerifiedAt > Before);
        Assert.Equal(
            Convert.ToHexStringLower(xx.Compute(Encoding.UTF8.GetBytes(Stored[0].Json)).ToArray()),
            Convert.ToHexStringLower(await ScalarAsync<byte[]>(dataSource, "SELECT hash FROM ingestion.record_keys WHERE key = '1'")));
    }

    // The rows the previous version's COPY wrote: no hash_algorithm column yet, SHA-256 over the canonical form with the stream's ignored paths.
    private static async Task WriteAsThePreviousVersionDidAsync(NpgsqlDataSource dataSource)
    {
        var sha = new ContentHasher(ContentHashAlgorithm.Sha256, ["seenAt"]);
        var runId = Guid.NewGuid();
        foreach (var (key, json) in Stored)
        {
            var hash = sha.Compute(Encoding.UTF8.GetBytes(json)).ToArray();
            await using var batch = dataSource.CreateBatch();
            var keys = new NpgsqlBatchCommand("""
                INSERT INTO ingestion.record_keys (source, stream, key, hash, latest_version, max_version, latest_is_partial,
                                                   first_seen_at, last_seen_at, last_verified_at, last_written_at)
                VALUES ('shop', 'items', $1, $2, 1, 1, false, $3, $3, $3, $3)
                """);
            var version = new NpgsqlBatchCommand("""
                INSERT INTO ingestion.raw_records (source, stream, key, version, is_latest, payload, is_json, hash, fetched_at, run_id)
                VALUES ('shop', 'items', $1, 1, true, $4, true, $2, $3, $5)
                """);
            foreach (var command in new[] { keys, version })
            {
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
                command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = hash });
                command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = Before });
                batch.BatchCommands.Add(command);
            }

            version.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = json });
            version.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = runId });
            await batch.ExecuteNonQueryAsync(Cancel);
        }
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync(Cancel))!;
    }
}
