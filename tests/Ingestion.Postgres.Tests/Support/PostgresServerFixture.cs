using Ingestion.Postgres.Tests.Support;

[assembly: AssemblyFixture(typeof(PostgresServerFixture))]

namespace Ingestion.Postgres.Tests.Support;

// One PostgreSQL server for the whole test run and one database per test class (see PostgresDatabases).
public sealed class PostgresServerFixture : PostgresDatabases;
