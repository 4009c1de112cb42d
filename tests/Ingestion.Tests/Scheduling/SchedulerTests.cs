using Ingestion.Queue.Internal;
using Ingestion.Scheduling.Internal;
using Ingestion.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Ingestion.Tests.Scheduling;

public sealed class SchedulerTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static DateTimeOffset Utc(int year, int month, int day, int hour, int minute) => new(year, month, day, hour, minute, 0, TimeSpan.Zero);

    private sealed record Harness(ServiceProvider Provider, ScheduleRunner Runner, IScheduleStore Store, RecordingJobQueue Queue, FakeTimeProvider Time);

    // The maintenance triggers (partial retries, due re-derivation, retention) are off unless a test asks for them, so the other
    // tests see only their schedules' jobs.
    private static Harness Create(
        Action<IIngestionBuilder> configure, FakeTimeProvider? time = null, TimeSpan? partialRetryInterval = null, TimeSpan? rederiveDueInterval = null, TimeSpan? retentionInterval = null)
    {
        time ??= new FakeTimeProvider(Utc(2025, 3, 1, 8, 0));
        var queue = new RecordingJobQueue();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton<IJobQueue>(queue);
        services.AddIngestion(configure);
        services.PostConfigure<SchedulerOptions>(options =>
        {
            options.PartialRetryInterval = partialRetryInterval ?? TimeSpan.Zero;
            options.RederiveDueInterval = rederiveDueInterval ?? TimeSpan.Zero;
            options.RetentionInterval = retentionInterval ?? TimeSpan.Zero;
        });
        var provider = services.BuildServiceProvider();
        var runner = provider.GetServices<IHostedService>().OfType<ScheduleRunner>().Single();
        return new Harness(provider, runner, provider.GetRequiredService<IScheduleStore>(), queue, time);
    }

    [Fact]
    public async Task The_partial_record_retry_job_is_queued_once_per_interval_with_one_dedup_key()
    {
        var h = Create(ingestion => ingestion.AddScheduler(), partialRetryInterval: TimeSpan.FromMinutes(5));
        await using var _ = h.Provider;

        Assert.Equal(Utc(2025, 3, 1, 8, 5), await h.Runner.CheckAsync(Cancel));
        h.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(Utc(2025, 3, 1, 8, 5), await h.Runner.CheckAsync(Cancel));

        var job = Assert.Single(h.Queue.Enqueued);
        Assert.Equal((IngestionJobTypes.RetryPartials, IngestionJobTypes.RetryPartials), (job.JobType, job.DedupKey));
        h.Time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(Utc(2025, 3, 1, 8, 10), await h.Runner.CheckAsync(Cancel));
    }

    [Fact]
    public async Task The_due_re_derivation_job_is_queued_once_per_interval_with_one_dedup_key()
    {
        var h = Create(ingestion => ingestion.AddScheduler(), rederiveDueInterval: TimeSpan.FromHours(1));
        await using var _ = h.Provider;

        Assert.Equal(Utc(2025, 3, 1, 9, 0), await h.Runner.CheckAsync(Cancel));
        h.Time.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(Utc(2025, 3, 1, 9, 0), await h.Runner.CheckAsync(Cancel));

        var job = Assert.Single(h.Queue.Enqueued);
        Assert.Equal((IngestionJobTypes.RederiveDue, IngestionJobTypes.RederiveDue), (job.JobType, job.DedupKey));
        h.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(Utc(2025, 3, 1, 10, 0), await h.Runner.CheckAsync(Cancel));

        // The first job still waits, so the second enqueue is absorbed by its dedup key: one waits at a time.
        Assert.Single(h.Queue.Enqueued);
    }

    [Fact]
    public async Task The_retention_job_is_queued_once_per_interval_with_one_dedup_key()
    {
        var h = Create(ingestion => ingestion.AddScheduler(), retentionInterval: TimeSpan.FromDays(1));
        await using var _ = h.Provider;

        Assert.Equal(Utc(2025, 3, 2, 8, 0), await h.Runner.CheckAsync(Cancel));
        h.Time.Advance(TimeSpan.FromHours(23));
        Assert.Equal(Utc(2025, 3, 2, 8, 0), await h.Runner.CheckAsync(Cancel));

        var job = Assert.Single(h.Queue.Enqueued);
        Assert.Equal((IngestionJobTypes.Retention, IngestionJobTypes.Retention), (job.JobType, job.DedupKey));
        h.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(Utc(2025, 3, 3, 8, 0), await h.Runner.CheckAsync(Cancel));
    }

    [Fact]
    public async Task A_due_slot_enqueues_one_sync_job_keyed_by_schedule_and_slot()
    {
        var h = Create(ingestion => ingestion.Schedule("employes", "employees", "*/30 * * * *", "Europe/Amsterdam"));
        await using var _ = h.Provider;

        var next = await h.Runner.CheckAsync(Cancel);
        Assert.Equal(Utc(2025, 3, 1, 8, 30), next);
        Assert.Empty(h.Queue.Enqueued);

        h.Time.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(Utc(2025, 3, 1, 9, 0), await h.Runner.CheckAsync(Cancel));
        await h.Runner.CheckAsync(Cancel);

        var job = Assert.Single(h.Queue.Enqueued);
        Assert.Equal(IngestionJobTypes.Sync, job.JobType);
        Assert.Equal("schedule:employes/employees@2025-03-01T08:30:00Z", job.DedupKey);
        var payload = SyncJobPayload.Parse(job.Payload);
        Assert.Equal(("employes", "employees", "employes/employees", Utc(2025, 3, 1, 8, 30)), (payload.Source, payload.Stream, payload.Schedule, payload.ScheduledAt!.Value));
        var state = await h.Store.GetAsync("employes/employees", Cancel);
        Assert.Equal(Utc(2025, 3, 1, 8, 30), state!.LastRunAt);
        Assert.Equal(Utc(2025, 3, 1, 9, 0), state.NextRunAt);
    }

    [Fact]
    public async Task Slots_missed_while_the_host_was_down_fire_once()
    {
        var h = Create(ingestion => ingestion.Schedule("jibble", "*/5 * * * *"));
        await using var _ = h.Provider;
        await h.Runner.CheckAsync(Cancel);

        h.Time.Advance(TimeSpan.FromHours(3) + TimeSpan.FromMinutes(2)); // 36 slots passed
        await h.Runner.CheckAsync(Cancel);
        await h.Runner.CheckAsync(Cancel);

        var job = Assert.Single(h.Queue.Enqueued);
        Assert.Equal(Utc(2025, 3, 1, 8, 5), SyncJobPayload.Parse(job.Payload).ScheduledAt);
        Assert.Equal(Utc(2025, 3, 1, 11, 5), (await h.Store.GetAsync("jibble", Cancel))!.NextRunAt);

        h.Time.Advance(TimeSpan.FromMinutes(3));
        await h.Runner.CheckAsync(Cancel);
        Assert.Equal(2, h.Queue.Enqueued.Count);
    }

    [Fact]
    public async Task Amsterdam_schedule_fires_once_on_each_transition_day()
    {
        var time = new FakeTimeProvider(Utc(2025, 3, 29, 12, 0));
        var h = Create(ingestion => ingestion.Schedule("finale", null, "30 2 * * *", "Europe/Amsterdam"), time);
        await using var _ = h.Provider;
        await h.Runner.CheckAsync(Cancel);

        // Step through two days a minute at a time, as a host checking every minute would.
        for (var minute = 0; minute < 2 * 24 * 60; minute++)
        {
            time.Advance(TimeSpan.FromMinutes(1));
            await h.Runner.CheckAsync(Cancel);
        }

        Assert.Equal(
            [Utc(2025, 3, 30, 1, 0), Utc(2025, 3, 31, 0, 30)],
            h.Queue.Enqueued.Select(job => SyncJobPayload.Parse(job.Payload).ScheduledAt!.Value));
    }

    [Fact]
    public async Task A_schedule_is_disabled_after_the_configured_failures_and_can_be_re_enabled()
    {
        var h = Create(ingestion => ingestion.Schedule("employes", "@hourly"));
        await using var _ = h.Provider;
        await h.Runner.CheckAsync(Cancel);
        var outcome = new ScheduleRunOutcome { Succeeded = false, FinishedAt = h.Time.GetUtcNow(), Error = "401 Unauthorized", DisableAfterFailures = 3 };

        await h.Store.RecordOutcomeAsync("employes", outcome, Cancel);
        var afterTwo = await h.Store.RecordOutcomeAsync("employes", outcome, Cancel);
        Assert.True(afterTwo!.Enabled);
        var afterThree = await h.Store.RecordOutcomeAsync("employes", outcome, Cancel);

        Assert.False(afterThree!.Enabled);
        Assert.Equal(3, afterThree.ConsecutiveFailures);
        Assert.Equal(3, afterThree.TotalRuns);
        Assert.Contains("3 consecutive failed runs", afterThree.DisabledReason, StringComparison.Ordinal);
        Assert.Contains("401 Unauthorized", afterThree.DisabledReason, StringComparison.Ordinal);

        h.Time.Advance(TimeSpan.FromHours(5));
        await h.Runner.CheckAsync(Cancel);
        Assert.Empty(h.Queue.Enqueued);

        Assert.True(await h.Store.SetEnabledAsync("employes", enabled: true, reason: null, Cancel));
        await h.Runner.CheckAsync(Cancel); // resumes at the next slot after now, without catching up the disabled hours
        var resumed = await h.Store.GetAsync("employes", Cancel);
        Assert.True(resumed!.Enabled);
        Assert.Null(resumed.DisabledReason);
        Assert.Equal(0, resumed.ConsecutiveFailures);
        Assert.Equal(Utc(2025, 3, 1, 14, 0), resumed.NextRunAt);
        Assert.Empty(h.Queue.Enqueued);

        h.Time.Advance(TimeSpan.FromHours(1));
        await h.Runner.CheckAsync(Cancel);
        Assert.Single(h.Queue.Enqueued);

        var success = await h.Store.RecordOutcomeAsync("employes", new ScheduleRunOutcome { Succeeded = true, FinishedAt = h.Time.GetUtcNow() }, Cancel);
        Assert.Equal((4L, 0, h.Time.GetUtcNow()), (success!.TotalRuns, success.ConsecutiveFailures, success.LastSuccessfulRunAt!.Value));
    }

    [Fact]
    public async Task Schedules_come_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Ingestion:Schedules:nightly:Source"] = "finale",
            ["Ingestion:Schedules:nightly:Stream"] = "products",
            ["Ingestion:Schedules:nightly:Cron"] = "0 0 3 * * *",
            ["Ingestion:Schedules:nightly:TimeZone"] = "Europe/Amsterdam",
            ["Ingestion:Schedules:off:Source"] = "jibble",
            ["Ingestion:Schedules:off:Cron"] = "@daily",
            ["Ingestion:Schedules:off:Enabled"] = "false",
        }).Build();
        var h = Create(ingestion => ingestion.AddSchedules(configuration.GetSection("Ingestion:Schedules")));
        await using var _ = h.Provider;

        Assert.NotNull(h.Provider.GetRequiredService<IOptions<SchedulerOptions>>().Value);
        await h.Runner.CheckAsync(Cancel);

        var all = await h.Store.GetAllAsync(Cancel);
        var nightly = Assert.Single(all, state => state.Name == "nightly");
        Assert.Equal(("finale", "products", Utc(2025, 3, 2, 2, 0)), (nightly.Definition.Source, nightly.Definition.Stream!, nightly.NextRunAt!.Value));
        var off = Assert.Single(all, state => state.Name == "off");
        Assert.False(off.Enabled);
        Assert.Equal(ScheduleText.DisabledByDefinition, off.DisabledReason);
    }

    [Fact]
    public void Bad_options_and_schedules_fail_at_start_up_naming_what_is_wrong()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Schedules:broken:Source"] = "finale",
            ["Schedules:broken:Cron"] = "* * *",
            ["Schedules:nosource:Cron"] = "@daily",
            ["Schedules:zone:Source"] = "finale",
            ["Schedules:zone:Cron"] = "@daily",
            ["Schedules:zone:TimeZone"] = "Europe/Atlantis",
        }).Build();
        var services = new ServiceCollection();
        services.AddIngestion(ingestion => ingestion
            .AddScheduler(options => { options.CheckInterval = TimeSpan.Zero; options.MaxConsecutiveFailures = 0; })
            .AddSchedules(configuration.GetSection("Schedules")));
        using var provider = services.BuildServiceProvider();

        var exception = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SchedulerOptions>>().Value);

        var message = string.Join("\n", exception.Failures);
        Assert.Contains("Scheduler:CheckInterval", message, StringComparison.Ordinal);
        Assert.Contains("Scheduler:MaxConsecutiveFailures", message, StringComparison.Ordinal);
        Assert.Contains("Schedules:broken", message, StringComparison.Ordinal);
        Assert.Contains("3 fields", message, StringComparison.Ordinal);
        Assert.Contains("Schedules:nosource:Source is required", message, StringComparison.Ordinal);
        Assert.Contains("Europe/Atlantis", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_schedule_in_the_store_is_disabled_with_its_error_and_others_still_fire()
    {
        var h = Create(ingestion => ingestion.Schedule("employes", "*/10 * * * *"));
        await using var _ = h.Provider;
        await h.Store.UpsertAsync(new ScheduleDefinition { Name = "typo", Source = "jibble", Cron = "*/10 * * *" }, Utc(2025, 3, 1, 8, 0), Cancel);
        await h.Runner.CheckAsync(Cancel);

        h.Time.Advance(TimeSpan.FromMinutes(10));
        await h.Runner.CheckAsync(Cancel);

        Assert.Equal("employes", SyncJobPayload.Parse(Assert.Single(h.Queue.Enqueued).Payload).Source);
        var typo = await h.Store.GetAsync("typo", Cancel);
        Assert.False(typo!.Enabled);
        Assert.Contains("4 fields", typo.DisabledReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_hosted_scheduler_fires_on_its_own_clock()
    {
        var time = new SignallingTimeProvider();
        var h = Create(ingestion => ingestion.AddScheduler(options => options.CheckInterval = TimeSpan.FromMinutes(1)).Schedule("employes", "*/15 * * * *"), time);
        await using var _ = h.Provider;
        var enqueued = h.Queue.NextEnqueue.Task;

        await h.Runner.StartAsync(Cancel);
        var job = await time.DriveAsync(enqueued);
        await h.Runner.StopAsync(Cancel);

        Assert.Equal(Utc(2025, 3, 1, 8, 15), SyncJobPayload.Parse(job.Payload).ScheduledAt);
        Assert.Equal(Utc(2025, 3, 1, 8, 15), time.GetUtcNow());
    }
}
