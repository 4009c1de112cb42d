using Ingestion.Postgres.Migrations.Internal;
using Ingestion.Postgres.Tests.Support;
using Npgsql;

namespace Ingestion.Postgres.Tests.Migrations;

public sealed class PostgresMigratorTests(PostgresServerFixture server)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Creates_the_schema_once_and_records_each_script_with_its_checksum()
    {
        await using var dataSource = NpgsqlDataSource.Create(await server.GetDatabaseAsync(nameof(PostgresMigratorTests)));
        var migrator = new PostgresMigrator(dataSource, "first_run");

        var applied = await migrator.MigrateAsync(Cancel);
        var again = await migrator.MigrateAsync(Cancel);

        Assert.Equal(MigrationScript.All.Select(script => script.Name), applied);
        Assert.Empty(again);
        await using var command = dataSource.CreateCommand("SELECT name, checksum FROM first_run.schema_migrations ORDER BY version");
        await using var reader = await command.ExecuteReaderAsync(Cancel);
        Assert.True(await reader.ReadAsync(Cancel));
        Assert.Equal(MigrationScript.All[0].Name, reader.GetString(0));
        Assert.Equal(MigrationScript.All[0].Checksum, reader.GetString(1));
        Assert.Equal(64, reader.GetString(1).Length);
    }

    [Fact]
    public async Task Three_hosts_migrating_at_once_apply_each_script_once_without_error()
    {
        var connectionString = await server.CreateDatabaseAsync("three_hosts");
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        using var start = new Barrier(3);

        var hosts = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            // Each "host" has its own data source, as separate processes would.
            await using var own = NpgsqlDataSource.Create(connectionString);
            start.SignalAndWait(Cancel);
            return await new PostgresMigrator(own).MigrateAsync(Cancel);
        }, Cancel)).ToArray();
        var results = await Task.WhenAll(hosts);

        Assert.Equal(1, results.Count(result => result.Count > 0));
        Assert.Equal(MigrationScript.All.Count, results.Sum(result => result.Count));
        await using var count = dataSource.CreateCommand("SELECT count(*) FROM ingestion.schema_migrations");
        Assert.Equal((long)MigrationScript.All.Count, (long)(await count.ExecuteScalarAsync(Cancel))!);
    }

    [Fact]
    public async Task A_database_newer_than_the_code_stops_with_an_explanation()
    {
        await using var dataSource = NpgsqlDataSource.Create(await server.GetDatabaseAsync(nameof(PostgresMigratorTests)));
        var migrator = new PostgresMigrator(dataSource, "newer");
        await migrator.MigrateAsync(Cancel);
        var future = MigrationScript.All.Count + 1;
        await using (var insert = dataSource.CreateCommand(
            $"INSERT INTO newer.schema_migrations (version, name, checksum, duration_ms) VALUES ({future}, '{future:0000}_from_the_future.sql', 'x', 0)"))
        {
            await insert.ExecuteNonQueryAsync(Cancel);
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => migrator.MigrateAsync(Cancel));

        Assert.Contains($"{future:0000}_from_the_future.sql", error.Message, StringComparison.Ordinal);
        Assert.Contains("newer than this code", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_changed_applied_script_stops_with_its_name()
    {
        await using var dataSource = NpgsqlDataSource.Create(await server.GetDatabaseAsync(nameof(PostgresMigratorTests)));
        var migrator = new PostgresMigrator(dataSource, "changed");
        await migrator.MigrateAsync(Cancel);
        await using (var tamper = dataSource.CreateCommand("UPDATE changed.schema_migrations SET checksum = 'deadbeef' WHERE version = 1"))
        {
            await tamper.ExecuteNonQueryAsync(Cancel);
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => migrator.MigrateAsync(Cancel));

        Assert.Contains(MigrationScript.All[0].Name, error.Message, StringComparison.Ordinal);
        Assert.Contains("must never change", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("x; drop table y")]
    [InlineData("\"quoted\"")]
    [InlineData("")]
    [InlineData("Upper")]
    [InlineData("1starts_with_digit")]
    [InlineData("trailing_newline\n")]
    [InlineData("a234567890123456789012345678901234567890123456789012345678901234")]
    public void A_hostile_schema_name_is_refused(string schema)
    {
        using var dataSource = NpgsqlDataSource.Create("Host=127.0.0.1");

        var error = Assert.Throws<ArgumentException>(() => new PostgresMigrator(dataSource, schema));

        Assert.Contains("PostgresStoreOptions.Schema", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_longest_plain_schema_name_gets_the_whole_schema_under_its_full_name()
    {
        // PostgreSQL truncates identifiers longer than 63 bytes without an error; 63 is the longest that must arrive whole.
        var longest = new string('a', 62) + "z";
        await using var dataSource = NpgsqlDataSource.Create(await server.GetDatabaseAsync(nameof(PostgresMigratorTests)));
        await new PostgresMigrator(dataSource, "short_name").MigrateAsync(Cancel);

        var applied = await new PostgresMigrator(dataSource, longest).MigrateAsync(Cancel);

        Assert.Equal(MigrationScript.All.Select(script => script.Name), applied);
        Assert.Equal([longest], await StringsAsync(dataSource, "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'aaaa%' ORDER BY 1"));
        var created = await RelationsAsync(dataSource, longest);
        Assert.Equal(await RelationsAsync(dataSource, "short_name"), created);
        Assert.Contains("record_keys (r)", created);
        Assert.Contains("raw_records (r)", created);
        Assert.Contains("jobs (r)", created);
        Assert.Contains("v_latest_records (v)", created);
        Assert.Contains("schema_migrations (r)", created);
        await using var count = dataSource.CreateCommand($"SELECT count(*) FROM \"{longest}\".schema_migrations");
        Assert.Equal((long)MigrationScript.All.Count, (long)(await count.ExecuteScalarAsync(Cancel))!);
    }

    // Every table, view, index and sequence of a schema as "name (kind)", plus its functions, sorted.
    private static Task<List<string>> RelationsAsync(NpgsqlDataSource dataSource, string schema) => StringsAsync(
        dataSource,
        $"""
        SELECT c.relname || ' (' || c.relkind::text || ')' FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '{schema}'
        UNION ALL
        SELECT p.proname::text || ' (function)' FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = '{schema}'
        ORDER BY 1
        """);

    private static async Task<List<string>> StringsAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync(Cancel);
        var values = new List<string>();
        while (await reader.ReadAsync(Cancel))
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }
}
