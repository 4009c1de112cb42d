using Ingestion.Samples;

namespace Ingestion.Connectors.Tests.Jibble;

[CollectionDefinition(Name)]
public sealed class JibbleCollection : ICollectionFixture<JibbleDatabaseFixture>
{
    public const string Name = "Jibble";
}

/// <summary>One PostgreSQL server for the Jibble tests (a throwaway cluster, or <c>INGESTION_TEST_POSTGRES</c>), a fresh database per test.</summary>
public sealed class JibbleDatabaseFixture : IAsyncLifetime
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

    /// <summary>Creates a database nobody else uses.</summary>
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
