using Ingestion.Postgres.Internal;
using Microsoft.Extensions.Hosting;

namespace Ingestion.Postgres.Migrations.Internal;

/// <summary>Migrates the schema when the host starts (when <see cref="PostgresStoreOptions.AutoMigrate"/> is on); a failure stops start-up.</summary>
internal sealed class PostgresMigrationHostedService(PostgresStoreContext context) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken) =>
        await context.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
