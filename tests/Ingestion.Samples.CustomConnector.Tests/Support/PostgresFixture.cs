using System.Collections.Concurrent;
using Acme.Books.Ingestion.Tests.Support;
using Ingestion.Samples;

[assembly: AssemblyFixture(typeof(PostgresFixture))]

namespace Acme.Books.Ingestion.Tests.Support;

/// <summary>
/// One PostgreSQL server for the test run (a throwaway cluster, or <c>INGESTION_TEST_POSTGRES</c>) and a fresh database per
/// test. When no server can be had, every test that needs one fails with a message saying how to fix it.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
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

    /// <summary>Creates a database nobody else uses.</summary>
    public Task<string> CreateDatabaseAsync(string nameHint) =>
        _databases.GetOrAdd(nameHint + Guid.NewGuid().ToString("N")[..6], name => new Lazy<Task<string>>(() => Server.CreateDatabaseAsync(name))).Value;

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
