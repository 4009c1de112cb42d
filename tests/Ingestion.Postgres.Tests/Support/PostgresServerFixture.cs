using System.Collections.Concurrent;
using Ingestion.Samples;
using Ingestion.Postgres.Tests.Support;

[assembly: AssemblyFixture(typeof(PostgresServerFixture))]

namespace Ingestion.Postgres.Tests.Support;

/// <summary>
/// One PostgreSQL server for the whole test run (a throwaway cluster, or <c>INGESTION_TEST_POSTGRES</c>), and one fresh
/// database per test class. When no server can be had, every test that needs one fails with a message saying how to fix it.
/// </summary>
public sealed class PostgresServerFixture : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _databases = new(StringComparer.Ordinal);
    private LocalPostgresServer? _server;
    private Exception? _startFailure;

    public async ValueTask InitializeAsync()
    {
        try
        {
            _server = await LocalPostgresServer.StartAsync();
        }
        catch (InvalidOperationException exception)
        {
            _startFailure = exception;
        }
    }

    /// <summary>Returns the connection string of the database reserved for <paramref name="owner"/>, creating it on first use.</summary>
    public Task<string> GetDatabaseAsync(string owner)
    {
        if (_server is null)
        {
            throw new InvalidOperationException(
                "These tests need PostgreSQL. " + (_startFailure?.Message ?? "The server did not start."), _startFailure);
        }

        return _databases.GetOrAdd(owner, name => new Lazy<Task<string>>(() => _server.CreateDatabaseAsync(name))).Value;
    }

    /// <summary>Creates a database nobody else uses (for tests that need an empty one of their own).</summary>
    public Task<string> CreateDatabaseAsync(string nameHint)
    {
        if (_server is null)
        {
            throw new InvalidOperationException(
                "These tests need PostgreSQL. " + (_startFailure?.Message ?? "The server did not start."), _startFailure);
        }

        return _server.CreateDatabaseAsync(nameHint);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
