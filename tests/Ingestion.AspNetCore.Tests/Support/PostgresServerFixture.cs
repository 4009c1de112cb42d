using Ingestion.AspNetCore.Tests.Support;

[assembly: AssemblyFixture(typeof(PostgresServerFixture))]

namespace Ingestion.AspNetCore.Tests.Support;

// One PostgreSQL server for the whole test run and one database per test (see PostgresDatabases).
public sealed class PostgresServerFixture : PostgresDatabases;
