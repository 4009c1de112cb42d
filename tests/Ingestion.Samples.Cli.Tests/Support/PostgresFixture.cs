using Ingestion.Samples.Cli.Tests.Support;

[assembly: AssemblyFixture(typeof(PostgresFixture))]

namespace Ingestion.Samples.Cli.Tests.Support;

// One PostgreSQL server for the run and a fresh database per test (see PostgresDatabases).
public sealed class PostgresFixture : PostgresDatabases;
