using Ingestion.Connectors.Tests.Support;

[assembly: AssemblyFixture(typeof(ConnectorTestFixture))]

namespace Ingestion.Connectors.Tests.Support;

// One PostgreSQL server for every connector test and one database per test class (see PostgresDatabases).
public sealed class ConnectorTestFixture : PostgresDatabases;
