using Ingestion.Samples;

namespace Ingestion.Postgres.Tests.Containers;

// A PostgreSQL started through Testcontainers for one test class, whatever server the rest of the assembly uses
// (INGESTION_TEST_POSTGRES or a local cluster), so the container path is exercised wherever a Docker engine answers.
public sealed class ContainerServer : IAsyncLifetime
{
    // Set by CI once it has started a Docker engine: then a missing engine is a failure, not a skip.
    public const string RequireDockerVariable = "INGESTION_TEST_REQUIRE_DOCKER";

    private LocalPostgresServer? _server;
    private string? _problem;

    public async ValueTask InitializeAsync()
    {
        _problem = await LocalPostgresServer.FindDockerProblemAsync(TestContext.Current.CancellationToken);
        if (_problem is not null)
        {
            return;
        }

        try
        {
            _server = await LocalPostgresServer.StartContainerAsync(TestContext.Current.CancellationToken);
            TestContext.Current.SendDiagnosticMessage($"PostgreSQL for {typeof(TestcontainersStoreTests).FullName}: {_server.Description}");
        }
        catch (InvalidOperationException exception)
        {
            // An engine that answers but cannot start the image (no registry, no local image) is treated like no
            // engine: a skip on a developer's machine, a failure where CI promised a working engine.
            _problem = exception.Message;
        }
    }

    // The running container; else a skip ("needs Docker"), or a failure when INGESTION_TEST_REQUIRE_DOCKER=1.
    public LocalPostgresServer Server
    {
        get
        {
            if (_server is not null)
            {
                return _server;
            }

            var required = Environment.GetEnvironmentVariable(RequireDockerVariable) == "1";
            Assert.False(required, $"{RequireDockerVariable}=1 but no PostgreSQL container could be started: {_problem}");
            Assert.Skip($"needs Docker: {_problem}");
            return null!;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
