using System.Text;
using Ingestion.Postgres.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Ingestion.Postgres.Tests.Storage;

/// <summary>A partial record a complete run no longer meets says so in <c>record_keys.retry_status</c>: resolved, not failed.</summary>
public sealed class ResolvedPartialTests(PostgresServerFixture server)
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly StreamId Items = new("shop", "items");

    [Fact]
    public async Task A_resolved_partial_record_has_the_retry_status_resolved_and_leaves_the_retry_view()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var dataSource = NpgsqlDataSource.Create(await server.CreateDatabaseAsync("resolved_partial"));
        await new PostgresMigrator(dataSource).MigrateAsync(cancel);
        var services = new ServiceCollection();
        services.AddIngestion(ingestion => ingestion.UsePostgres(dataSource));
        await using var provider = services.BuildServiceProvider();
        var raw = provider.GetRequiredService<IRawStore>();
        var failed = new RawRecordWrite
        {
            Key = "page:/items?page=2", Payload = ReadOnlyMemory<byte>.Empty, Hash = ContentHasher.Default.Compute(ReadOnlySpan<byte>.Empty),
            IsPartial = true, IsRetryable = false, HttpStatusCode = 500, ErrorMessage = "500 Internal Server Error",
        };
        await raw.WriteBatchAsync(new RawBatch { Stream = Items, RunId = Guid.NewGuid(), FetchedAt = T0, Records = [failed] }, cancel);
        Assert.Equal("failed", await StatusAsync(dataSource, cancel));

        var resolved = await raw.ResolveMissingPartialsAsync(Items, T0.AddHours(1), T0.AddHours(1), cancel);

        Assert.Equal(["page:/items?page=2"], resolved);
        Assert.Equal("resolved", await StatusAsync(dataSource, cancel));
        await using var view = dataSource.CreateCommand("SELECT count(*) FROM ingestion.v_records_needing_retry");
        Assert.Equal(0L, (long)(await view.ExecuteScalarAsync(cancel))!);
    }

    private static async Task<string> StatusAsync(NpgsqlDataSource dataSource, CancellationToken cancel)
    {
        await using var command = dataSource.CreateCommand("SELECT retry_status FROM ingestion.record_keys WHERE key = 'page:/items?page=2'");
        return (string)(await command.ExecuteScalarAsync(cancel))!;
    }
}
