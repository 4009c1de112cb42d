using Npgsql;

namespace Ingestion.Connectors.Tests.Support;

public sealed class ServerSmokeTests(ConnectorTestFixture fixture)
{
    [Fact]
    public async Task A_test_class_gets_its_own_database()
    {
        var mine = await fixture.GetDatabaseAsync(nameof(ServerSmokeTests));
        var again = await fixture.GetDatabaseAsync(nameof(ServerSmokeTests));
        var other = await fixture.GetDatabaseAsync(nameof(ServerSmokeTests) + "-other");

        Assert.Equal(mine, again);
        Assert.NotEqual(mine, other);
        await using var dataSource = NpgsqlDataSource.Create(mine);
        await using var command = dataSource.CreateCommand("SELECT current_database()");
        var name = (string)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
        Assert.Contains("serversmoketests", name, StringComparison.Ordinal);
    }
}
