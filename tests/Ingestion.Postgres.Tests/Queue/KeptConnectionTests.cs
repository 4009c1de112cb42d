using Ingestion.Postgres.Queue.Internal;
using Ingestion.Postgres.Tests.Support;
using Npgsql;

namespace Ingestion.Postgres.Tests.Queue;

/// <summary>The connections the PostgreSQL queue keeps between a busy worker's claims (<see cref="KeptConnections"/>).</summary>
public sealed class KeptConnectionTests(PostgresServerFixture server)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_claim_that_took_jobs_keeps_its_connection_and_a_claim_that_found_none_gives_it_back()
    {
        await using var db = await PostgresTestContext.CreateAsync(await server.GetDatabaseAsync(nameof(KeptConnectionTests)), configure: options => options.Schema = "q_kept");
        await using var queue = new PostgresJobQueue(db.Context);
        await queue.EnqueueAsync(new JobRequest { JobType = "work" }, Cancel);
        var claim = new ClaimRequest { WorkerId = "w", MaxJobs = 1 };

        var claimed = await queue.ClaimAsync(claim, Cancel);
        Assert.Single(claimed);
        Assert.Equal(1, queue.KeptConnections.Count);

        var (completed, next) = await queue.CompleteAndClaimAsync([new JobCompletion(claimed[0].Id, claimed[0].LeaseToken)], claim, Cancel);
        Assert.Equal(1, completed);
        Assert.Empty(next);
        Assert.Equal(0, queue.KeptConnections.Count);
    }

    [Fact]
    public async Task A_kept_connection_the_server_closed_is_replaced_and_the_call_completes_and_claims()
    {
        await using var db = await PostgresTestContext.CreateAsync(await server.GetDatabaseAsync(nameof(KeptConnectionTests)), configure: options => options.Schema = "q_kept_broken");
        await using var queue = new PostgresJobQueue(db.Context);
        await queue.EnqueueManyAsync([new JobRequest { JobType = "work" }, new JobRequest { JobType = "work" }], Cancel);
        var claim = new ClaimRequest { WorkerId = "w", MaxJobs = 1 };
        var first = Assert.Single(await queue.ClaimAsync(claim, Cancel));
        var kept = Assert.Single(queue.KeptConnections.ProcessIds);

        // As an idle-session timeout, a failover or an administrator would: the server ends the kept connection's session.
        await using (var terminate = db.DataSource.CreateCommand("SELECT pg_terminate_backend($1, 60000)"))
        {
            terminate.Parameters.Add(new NpgsqlParameter<int> { TypedValue = kept });
            Assert.True((bool)(await terminate.ExecuteScalarAsync(Cancel))!);
        }

        var (completed, next) = await queue.CompleteAndClaimAsync([new JobCompletion(first.Id, first.LeaseToken)], claim, Cancel);

        Assert.Equal(1, completed);
        var second = Assert.Single(next);
        Assert.NotEqual(first.Id, second.Id);
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM q_kept_broken.jobs WHERE status = 'pending'"));
        Assert.DoesNotContain(kept, queue.KeptConnections.ProcessIds);
    }

    [Fact]
    public async Task At_most_a_quarter_of_the_pool_is_kept_and_disposal_gives_every_kept_connection_back()
    {
        var connectionString = new NpgsqlConnectionStringBuilder(await server.GetDatabaseAsync(nameof(KeptConnectionTests))) { MaxPoolSize = 8 }.ConnectionString;
        await using var db = await PostgresTestContext.CreateAsync(connectionString, configure: options => options.Schema = "q_kept_cap");
        var connections = new KeptConnections(db.Context);
        var rented = new List<NpgsqlConnection>();
        for (var index = 0; index < 4; index++)
        {
            var (connection, wasKept) = await connections.RentAsync(Cancel);
            Assert.False(wasKept);
            rented.Add(connection);
        }

        foreach (var connection in rented)
        {
            await connections.ReturnAsync(connection, keep: true);
        }

        Assert.Equal(2, connections.Count);
        var (reused, fromKept) = await connections.RentAsync(Cancel);
        Assert.True(fromKept);
        await connections.ReturnAsync(reused, keep: false);
        Assert.Equal(1, connections.Count);

        await connections.DisposeAsync();
        Assert.Equal(0, connections.Count);
        Assert.All(rented, connection => Assert.NotEqual(System.Data.ConnectionState.Open, connection.FullState));
    }
}
