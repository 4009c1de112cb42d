using Ingestion.Postgres.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Ingestion.Postgres.Tests.Retry;

/// <summary>The partial-record retry job against real HTTP (Kestrel on loopback) and the PostgreSQL store, on a fake clock.</summary>
public sealed class PartialRetryTests(PostgresServerFixture server)
{
    private static readonly StreamId Items = new("shop", "items");
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Retries_follow_the_backoff_schedule_and_the_last_failure_is_final_with_its_reason()
    {
        await using var rig = await Rig.StartAsync(server, nameof(Retries_follow_the_backoff_schedule_and_the_last_failure_is_final_with_its_reason), _ => 503);
        await rig.SyncAsync();
        Assert.Equal(1, rig.Server.CountFor("/items"));

        // Not due before the first delay (5 minutes) has passed since the failure.
        await rig.RetryAsync(TimeSpan.FromMinutes(4) + TimeSpan.FromSeconds(59));
        Assert.Equal(1, rig.Server.CountFor("/items"));
        await rig.RetryAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(2, rig.Server.CountFor("/items"));

        // Then 10 minutes after the first retry, then 20 after the second; the third is the last (max 3 retries).
        await rig.RetryAsync(TimeSpan.FromMinutes(9));
        Assert.Equal(2, rig.Server.CountFor("/items"));
        await rig.RetryAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(3, rig.Server.CountFor("/items"));
        await rig.RetryAsync(TimeSpan.FromMinutes(19));
        Assert.Equal(3, rig.Server.CountFor("/items"));
        await rig.RetryAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(4, rig.Server.CountFor("/items"));
        await rig.RetryAsync(TimeSpan.FromHours(5));
        Assert.Equal(4, rig.Server.CountFor("/items"));

        var key = await rig.PartialKeyAsync();
        var log = await rig.RetryLog.GetRetryLogAsync(Items, key, Cancel);
        Assert.Equal([1, 2, 3], log.Select(a => a.Attempt));
        Assert.Equal([Start.AddMinutes(5), Start.AddMinutes(15), Start.AddMinutes(35)], log.Select(a => a.AttemptedAt));
        Assert.Equal([Start.AddMinutes(15), Start.AddMinutes(35), (DateTimeOffset?)null], log.Select(a => a.NextRetryAt));
        Assert.All(log, a => Assert.Equal(503, a.HttpStatusCode));
        Assert.Equal([false, false, true], log.Select(a => a.GaveUp));
        Assert.Equal("failed", await rig.ScalarAsync<string>($"SELECT retry_status FROM record_keys WHERE key = '{key}'"));
        Assert.Contains("Failed after 3 retries", await rig.ScalarAsync<string>($"SELECT error_message FROM record_keys WHERE key = '{key}'"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_permanent_failure_is_given_up_at_once_and_not_retried()
    {
        var calls = 0;
        await using var rig = await Rig.StartAsync(server, nameof(A_permanent_failure_is_given_up_at_once_and_not_retried), _ => ++calls == 1 ? 503 : 404);
        await rig.SyncAsync();

        await rig.RetryAsync(TimeSpan.FromMinutes(5));
        await rig.RetryAsync(TimeSpan.FromHours(2));

        Assert.Equal(2, rig.Server.CountFor("/items"));
        var attempt = Assert.Single(await rig.RetryLog.GetRetryLogAsync(Items, await rig.PartialKeyAsync(), Cancel));
        Assert.True(attempt.GaveUp);
        Assert.Equal(404, attempt.HttpStatusCode);
        Assert.Contains("Permanent", attempt.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_record_stored_after_a_forbidden_response_is_never_retried()
    {
        await using var rig = await Rig.StartAsync(server, nameof(A_record_stored_after_a_forbidden_response_is_never_retried), _ => 403);
        await rig.SyncAsync();

        await rig.RetryAsync(TimeSpan.FromMinutes(5));
        await rig.RetryAsync(TimeSpan.FromHours(2));

        Assert.Equal(1, rig.Server.CountFor("/items"));
        Assert.Equal("failed", await rig.ScalarAsync<string>("SELECT retry_status FROM record_keys WHERE key LIKE 'page:%'"));
    }

    [Fact]
    public async Task A_successful_retry_stores_the_records_and_sets_retry_succeeded_at()
    {
        var calls = 0;
        await using var rig = await Rig.StartAsync(server, nameof(A_successful_retry_stores_the_records_and_sets_retry_succeeded_at), _ => ++calls == 1 ? 503 : 200);
        await rig.SyncAsync();

        await rig.RetryAsync(TimeSpan.FromMinutes(5));
        await rig.RetryAsync(TimeSpan.FromHours(1));

        Assert.Equal(2, rig.Server.CountFor("/items"));
        var key = await rig.PartialKeyAsync();
        var attempt = Assert.Single(await rig.RetryLog.GetRetryLogAsync(Items, key, Cancel));
        Assert.True(attempt.Succeeded);
        Assert.Equal(Start.AddMinutes(5), await rig.ScalarAsync<DateTime>($"SELECT retry_succeeded_at FROM record_keys WHERE key = '{key}'"));
        Assert.Equal("succeeded", await rig.ScalarAsync<string>($"SELECT retry_status FROM record_keys WHERE key = '{key}'"));
        Assert.NotNull(await rig.Raw.GetLatestAsync(Items, "1", Cancel));
        Assert.NotNull(await rig.Raw.GetLatestAsync(Items, "2", Cancel));
    }

    [Fact]
    public async Task One_run_retries_at_most_the_configured_number_of_records()
    {
        await using var rig = await Rig.StartAsync(server, nameof(One_run_retries_at_most_the_configured_number_of_records), _ => 503, maxRecordsPerRun: 2, streams: 5);
        await rig.SyncAsync();
        var before = rig.Server.RequestCount;

        await rig.RetryAsync(TimeSpan.FromMinutes(5));

        Assert.Equal(before + 2, rig.Server.RequestCount);
    }

    private sealed class Rig : IAsyncDisposable
    {
        private ServiceProvider _provider = null!;
        private NpgsqlDataSource _dataSource = null!;
        private int _streams;

        public FakeTimeProvider Time { get; } = new(Start);

        public TestHttpServer Server { get; private set; } = null!;

        public IRawStore Raw => _provider.GetRequiredService<IRawStore>();

        public IRetryLog RetryLog => _provider.GetRequiredService<IRetryLog>();

        public static async Task<Rig> StartAsync(PostgresServerFixture postgres, string name, Func<HttpContext, int> status, int maxRecordsPerRun = 10, int streams = 1)
        {
            var rig = new Rig { _streams = streams };
            rig.Server = await TestHttpServer.StartAsync(app => app.Map("/{path}", (HttpContext context) =>
            {
                var code = status(context);
                return TestHttp.WriteJsonAsync(context, code == 200 ? """{"data":[{"id":"1"},{"id":"2"}]}""" : """{"error":"no"}""", code);
            }));
            var connectionString = await postgres.CreateDatabaseAsync(name[..Math.Min(name.Length, 40)]);
            rig._dataSource = NpgsqlDataSource.Create(connectionString);
            var services = new ServiceCollection();
            services.AddSingleton<TimeProvider>(rig.Time);
            services.AddIngestion(ingestion => ingestion
                .UsePostgres(rig._dataSource)
                .ConfigurePartialRetry(o => o.MaxRecordsPerRun = maxRecordsPerRun)
                .AddRestSource("shop", source =>
                {
                    source.BaseAddress(rig.Server.BaseAddress).Resilience(new ResilienceSettings { MaxRetries = 0 });
                    source.Stream("items", s => s.Get("items").Records("$.data").Key("id"));
                    for (var i = 2; i <= streams; i++)
                    {
                        source.Stream("items" + i, s => s.Get("items" + i).Records("$.data").Key("id"));
                    }
                }));
            rig._provider = services.BuildServiceProvider();
            return rig;
        }

        public async Task SyncAsync()
        {
            var runner = _provider.GetRequiredService<ISyncRunner>();
            await runner.SyncSourceAsync("shop", null, Cancel);
        }

        public async Task RetryAsync(TimeSpan advance)
        {
            Time.Advance(advance);
            var handler = _provider.GetServices<IJobHandler>().Single(h => h.JobType == IngestionJobTypes.RetryPartials);
            await handler.HandleAsync(
                new ClaimedJob { Id = 1, JobType = handler.JobType, Payload = "{}", Attempt = 1, MaxAttempts = 3, LeaseToken = Guid.NewGuid(), LeaseExpiresAt = DateTimeOffset.MaxValue },
                Cancel);
        }

        public Task<string> PartialKeyAsync() => ScalarAsync<string>("SELECT key FROM record_keys WHERE stream = 'items' AND key LIKE 'page:%'");

        public async Task<T> ScalarAsync<T>(string sql)
        {
            await using var command = _dataSource.CreateCommand(sql.Replace("record_keys", "ingestion.record_keys", StringComparison.Ordinal));
            return (T)(await command.ExecuteScalarAsync(Cancel))!;
        }

        public async ValueTask DisposeAsync()
        {
            await _provider.DisposeAsync();
            await _dataSource.DisposeAsync();
            await Server.DisposeAsync();
        }
    }
}
