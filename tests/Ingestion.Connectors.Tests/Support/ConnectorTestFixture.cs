using System.Collections.Concurrent;
using Ingestion.Connectors.Tests.Support;
using Ingestion.Samples;

[assembly: AssemblyFixture(typeof(ConnectorTestFixture))]

namespace Ingestion.Connectors.Tests.Support;

/// <summary>
/// One PostgreSQL server for every connector test (a throwaway cluster, or <c>INGESTION_TEST_POSTGRES</c>), and a fresh
/// database per test class. When no server can be had, every test that asks for one fails with a message saying how to fix it.
/// </summary>
public sealed class ConnectorTestFixture : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _databases = new(StringComparer.Ordinal);
    private LocalPostgresServer? _server;
    private Exception? _startFailure;

    /// <inheritdoc />
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

    /// <summary>Returns the connection string of the database reserved for <paramref name="owner"/> (a test class name), creating it on first use.</summary>
    public Task<string> GetDatabaseAsync(string owner) =>
        _databases.GetOrAdd(owner, name => new Lazy<Task<string>>(() => Server.CreateDatabaseAsync(name))).Value;

    /// <summary>Creates a database nobody else uses (for a test that needs an empty one of its own).</summary>
    public Task<string> CreateDatabaseAsync(string nameHint) => Server.CreateDatabaseAsync(nameHint);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private LocalPostgresServer Server => _server ?? throw new InvalidOperationException(
        "These tests need PostgreSQL. " + (_startFailure?.Message ?? "The server did not start."), _startFailure);
}
