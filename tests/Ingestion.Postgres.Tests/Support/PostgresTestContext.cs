using Ingestion.Postgres.Internal;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ingestion.Postgres.Tests.Support;

/// <summary>A migrated schema in a test database, and the store context over it.</summary>
internal sealed class PostgresTestContext : IAsyncDisposable
{
    private PostgresTestContext(NpgsqlDataSource dataSource, PostgresStoreContext context)
    {
        DataSource = dataSource;
        Context = context;
    }

    public NpgsqlDataSource DataSource { get; }

    public PostgresStoreContext Context { get; }

    public static async Task<PostgresTestContext> CreateAsync(string connectionString, TimeProvider? time = null, Action<PostgresStoreOptions>? configure = null, ILoggerFactory? loggerFactory = null)
    {
        var options = new PostgresStoreOptions();
        configure?.Invoke(options);
        var dataSource = NpgsqlDataSource.Create(connectionString);
        await new PostgresMigrator(dataSource, options.Schema).MigrateAsync(TestContext.Current.CancellationToken);
        return new PostgresTestContext(dataSource, new PostgresStoreContext(dataSource, options, time ?? TimeProvider.System, loggerFactory));
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    public async ValueTask DisposeAsync()
    {
        await Context.DisposeAsync();
        await DataSource.DisposeAsync();
    }
}
