using System.Collections.Concurrent;
using Ingestion.Samples;
using Xunit;

namespace Ingestion.Testing;

// One PostgreSQL server for a whole test assembly, and fresh databases on it. The server is, in this order: the one
// INGESTION_TEST_POSTGRES names, a Testcontainers PostgreSQL when a Docker engine answers, a throwaway cluster from the
// local binaries (see LocalPostgresServer); one line of output says which, so a run shows what it tested against. Each test project registers a small sealed subclass as its xunit
// assembly fixture:
//
//     [assembly: AssemblyFixture(typeof(PostgresServerFixture))]
//     public sealed class PostgresServerFixture : PostgresDatabases;
//
// When no server can be had, starting does not fail the run: every test that asks for a database fails instead, with
// a message saying what is missing and how to fix it.
public abstract class PostgresDatabases : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _databases = new(StringComparer.Ordinal);
    private LocalPostgresServer? _server;
    private Exception? _startFailure;

    public async ValueTask InitializeAsync()
    {
        try
        {
            _server = await LocalPostgresServer.StartAsync().ConfigureAwait(false);
            Report($"PostgreSQL for {AssemblyName}: {_server.Description}");
        }
        catch (InvalidOperationException exception)
        {
            _startFailure = exception;
            Report($"PostgreSQL for {AssemblyName}: none ({exception.Message})");
        }
    }

    /// <summary>Which server the assembly uses: <c>INGESTION_TEST_POSTGRES</c>, <c>Testcontainers (image X)</c> or <c>throwaway cluster from DIR</c>.</summary>
    public string Description => _server?.Description ?? "none";

    private string AssemblyName => GetType().Assembly.GetName().Name ?? "tests";

    // A diagnostic message is what dotnet test shows from a fixture (console output is not); tests/xunit.runner.json,
    // which every test project copies, turns them on.
    private static void Report(string line) => TestContext.Current.SendDiagnosticMessage(line);

    // The connection string of the database reserved for owner (usually a test class name), created on first use and
    // shared by every later call with the same owner.
    public Task<string> GetDatabaseAsync(string owner) =>
        _databases.GetOrAdd(owner, name => new Lazy<Task<string>>(() => Server.CreateDatabaseAsync(name))).Value;

    // A fresh database nobody else uses, on every call; nameHint is a readable part of its name.
    public Task<string> CreateDatabaseAsync(string nameHint) => Server.CreateDatabaseAsync(nameHint);

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }

        GC.SuppressFinalize(this);
    }

    private LocalPostgresServer Server => _server ?? throw new InvalidOperationException(
        "These tests need PostgreSQL. " + (_startFailure?.Message ?? "The server did not start."), _startFailure);
}
