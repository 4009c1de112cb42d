using Ingestion.Samples.Cli.Tests.Support;
using Ingestion.Samples;

[assembly: AssemblyFixture(typeof(PostgresFixture))]

namespace Ingestion.Samples.Cli.Tests.Support;

/// <summary>One PostgreSQL server for the run (a throwaway cluster, or <c>INGESTION_TEST_POSTGRES</c>) and a fresh database per test.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
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

    public Task<string> CreateDatabaseAsync(string nameHint) =>
        (_server ?? throw new InvalidOperationException("These tests need PostgreSQL. " + (_startFailure?.Message ?? "The server did not start."), _startFailure))
        .CreateDatabaseAsync(nameHint);

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
