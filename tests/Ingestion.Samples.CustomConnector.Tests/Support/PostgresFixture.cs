using Acme.Books.Ingestion.Tests.Support;

[assembly: AssemblyFixture(typeof(PostgresFixture))]

namespace Acme.Books.Ingestion.Tests.Support;

// One PostgreSQL server for the test run and a fresh database per test (see PostgresDatabases).
public sealed class PostgresFixture : PostgresDatabases;
