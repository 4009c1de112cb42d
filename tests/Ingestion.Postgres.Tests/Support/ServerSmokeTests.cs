using Npgsql;

namespace Ingestion.Postgres.Tests.Support;

public sealed class ServerSmokeTests(PostgresServerFixture server)
{
    [Fact]
    public async Task Fresh_database_answers()
    {
        var connectionString = await server.GetDatabaseAsync(nameof(ServerSmokeTests));
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("SELECT current_setting('server_version_num')::int");
        var version = (int)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
        Assert.True(version >= 120000, $"server version {version}");
    }
}
