using Ingestion.Postgres.Tests.Support;
using Ingestion.Scheduling.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Ingestion.Postgres.Tests.Scheduling;

public sealed class PostgresSchedulerTests(PostgresServerFixture server)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static readonly DateTimeOffset Start = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);

    private static ServiceProvider Host(string connectionString, string schema, FakeTimeProvider time, Action<IIngestionBuilder> configure)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddIngestion(ingestion =>
        {
            ingestion.UsePostgres(connectionString, options => options.Schema = schema);
            configure(ingestion);
        });
        return services.BuildServiceProvider();
    }

    private static ScheduleRunner Runner(ServiceProvider host) => host.GetServices<IHostedService>().OfType<ScheduleRunner>().Single();

    private static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(Cancel), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Two_schedulers_against_one_database_fire_each_slot_once()
    {
        var connectionString = await server.GetDatabaseAsync(nameof(PostgresSchedulerTests));
        var time = new FakeTimeProvider(Start);
        await using var hostA = Host(connectionString, "sched_two", time, ingestion => ingestion.Schedule("employes", "employees", "* * * * *", "Europe/Amsterdam"));
        await using var hostB = Host(connectionString, "sched_two", time, ingestion => ingestion.Schedule("employes", "employees", "* * * * *", "Europe/Amsterdam"));
        var a = Runner(hostA);
        var b = Runner(hostB);
        var queue = hostA.GetRequiredService<IJobQueue>();
        await a.CheckAsync(Cancel);
        await b.CheckAsync(Cancel);

        for (var slot = 0; slot < 25; slot++)
        {
            time.Advance(TimeSpan.FromMinutes(1));
            await Task.WhenAll(Enumerable.Range(0, 4).Select(index => (index % 2 == 0 ? a : b).CheckAsync(Cancel)));

            // Finish the jobs each round, so the queue's dedup key (unique among unfinished jobs only) cannot be what saves us.
            var claimed = await queue.ClaimAsync(new ClaimRequest { WorkerId = "w", MaxJobs = 10, JobTypes = [IngestionJobTypes.Sync] }, Cancel);
            Assert.Single(claimed);
            await queue.CompleteAsync(claimed.Select(job => new JobCompletion(job.Id, job.LeaseToken)).ToList(), Cancel);
        }

        Assert.Equal(25L, await ScalarAsync(connectionString, "SELECT count(*) FROM sched_two.job_history WHERE job_type = 'ingestion.sync'"));
        Assert.Equal(25L, await ScalarAsync(connectionString, "SELECT count(DISTINCT dedup_key) FROM sched_two.job_history"));
        var state = await hostB.GetRequiredService<IScheduleStore>().GetAsync("employes/employees", Cancel);
        Assert.Equal(Start.AddMinutes(25), state!.LastRunAt);
        Assert.Equal(Start.AddMinutes(26), state.NextRunAt);
    }

    [Fact]
    public async Task Schedule_state_outcomes_auto_disable_and_re_enable_in_postgres()
    {
        var connectionString = await server.GetDatabaseAsync(nameof(PostgresSchedulerTests));
        var time = new FakeTimeProvider(Start);
        await using var host = Host(connectionString, "sched_state", time, ingestion => ingestion.Schedule("jibble", "@hourly"));
        var runner = Runner(host);
        var store = host.GetRequiredService<IScheduleStore>();
        await runner.CheckAsync(Cancel);

        // A schedule added straight to the table is picked up at the next check; a broken one is disabled with its error.
        await ScalarAsync(connectionString, """
            INSERT INTO sched_state.schedules (name, cron, time_zone, source, stream) VALUES ('finale-daily', '0 6 * * *', 'Europe/Amsterdam', 'finale', 'products');
            INSERT INTO sched_state.schedules (name, cron, source) VALUES ('typo', '0 6 * *', 'finale');
            SELECT 1
            """);
        time.Advance(TimeSpan.FromHours(1));
        await runner.CheckAsync(Cancel);
        var fromTable = await store.GetAsync("finale-daily", Cancel);
        Assert.Equal(new DateTimeOffset(2025, 3, 2, 5, 0, 0, TimeSpan.Zero), fromTable!.NextRunAt);
        var typo = await store.GetAsync("typo", Cancel);
        Assert.False(typo!.Enabled);
        Assert.Contains("4 fields", typo.DisabledReason, StringComparison.Ordinal);
        Assert.Equal(1L, await ScalarAsync(connectionString, "SELECT count(*) FROM sched_state.jobs WHERE dedup_key = 'schedule:jibble@2025-03-01T09:00:00Z'"));

        var failure = new ScheduleRunOutcome { Succeeded = false, FinishedAt = time.GetUtcNow(), Error = "HTTP 500", DisableAfterFailures = 2 };
        Assert.True((await store.RecordOutcomeAsync("jibble", failure, Cancel))!.Enabled);
        var disabled = await store.RecordOutcomeAsync("jibble", failure, Cancel);
        Assert.False(disabled!.Enabled);
        Assert.Equal((2L, 2), (disabled.TotalRuns, disabled.ConsecutiveFailures));
        Assert.Equal("Disabled after 2 consecutive failed runs; last error: HTTP 500", disabled.DisabledReason);

        time.Advance(TimeSpan.FromHours(3));
        await runner.CheckAsync(Cancel);
        Assert.Equal(1L, await ScalarAsync(connectionString, "SELECT count(*) FROM sched_state.jobs WHERE job_type = 'ingestion.sync' AND payload->>'source' = 'jibble'"));

        Assert.True(await store.SetEnabledAsync("jibble", enabled: true, reason: null, Cancel));
        await runner.CheckAsync(Cancel);
        var resumed = await store.GetAsync("jibble", Cancel);
        Assert.Equal((true, (string?)null, 0), (resumed!.Enabled, resumed.DisabledReason, resumed.ConsecutiveFailures));
        Assert.Equal(new DateTimeOffset(2025, 3, 1, 13, 0, 0, TimeSpan.Zero), resumed.NextRunAt);

        var success = await store.RecordOutcomeAsync("jibble", new ScheduleRunOutcome { Succeeded = true, FinishedAt = time.GetUtcNow() }, Cancel);
        Assert.Equal((3L, 0, time.GetUtcNow()), (success!.TotalRuns, success.ConsecutiveFailures, success.LastSuccessfulRunAt!.Value));
    }
}
