using System.Text;
using System.Text.Json;
using Ingestion.Queue.Internal;
using Ingestion.Tests.Running;
using Ingestion.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Ingestion.Tests.Client;

public sealed class IngestionClientTests : IAsyncDisposable
{
    private static readonly StreamId Employments = new("hr", "employments");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero));
    private readonly InTestStores _stores = new();
    private readonly RecordingJobQueue _queue = new();
    private readonly InTestDerivedStore _derived;
    private readonly TimelineDeriver _deriver = new();
    private ServiceProvider? _provider;

    public IngestionClientTests() => _derived = new InTestDerivedStore(_time);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Interactive_run_derives_exactly_N_changed_keys_inline_and_queues_the_rest()
    {
        var client = Build(records: 12, configure: o => o.DeriveBatchSize = 3);

        var result = await client.SyncNowAsync(new SyncNowRequest { Source = "hr", Stream = "employments" }, Cancel);

        var report = Assert.Single(result.Reports);
        Assert.Equal(12, report.RecordsNew);
        Assert.Equal(5, result.DerivedInline);
        Assert.Equal(0, result.SkippedInline);
        Assert.Equal(7, result.QueuedForDerivation);
        Assert.Equal(["e1", "e2", "e3", "e4", "e5"], _derived.InputKeys(TimelineDeriver.DeriverName));
        var jobs = _queue.OfType(IngestionJobTypes.Derive);
        Assert.Equal(3, jobs.Count);
        Assert.Equal(result.DeriveJobIds.Count, jobs.Count);
        var queuedKeys = jobs.SelectMany(j => DeriveJobPayload.Parse(j.Payload).Keys).ToList();
        Assert.Equal(["6", "7", "8", "9", "10", "11", "12"], queuedKeys);
        Assert.All(jobs, j => Assert.Equal(Employments, DeriveJobPayload.Parse(j.Payload).Stream));
    }

    [Fact]
    public async Task A_dry_run_reports_progress_writes_nothing_and_derives_nothing()
    {
        var client = Build(records: 6);
        var progress = new List<SyncProgress>();

        var result = await client.SyncNowAsync(
            new SyncNowRequest { Source = "hr", Stream = "employments", DryRun = true, Progress = new SynchronousProgress(progress.Add) },
            Cancel);

        var report = Assert.Single(result.Reports);
        Assert.True(report.DryRun);
        Assert.Equal(6, report.RecordsFetched);
        Assert.NotEmpty(progress);
        Assert.Equal(6, progress[^1].Records);
        Assert.Equal(0, result.DerivedInline);
        Assert.Equal(0, result.QueuedForDerivation);
        Assert.Empty(_derived.InputKeys(TimelineDeriver.DeriverName));
        Assert.Empty(_queue.OfType(IngestionJobTypes.Derive));
        Assert.Null(await _stores.GetLatestAsync(Employments, "1", Cancel));
    }

    [Fact]
    public async Task The_derive_job_handler_derives_the_queued_keys()
    {
        var client = Build(records: 8);
        await client.SyncNowAsync(new SyncNowRequest { Source = "hr", Stream = "employments" }, Cancel);
        var handler = _provider!.GetServices<IJobHandler>().Single(h => h.JobType == IngestionJobTypes.Derive);

        foreach (var job in _queue.OfType(IngestionJobTypes.Derive))
        {
            await handler.HandleAsync(RecordingJobQueue.Claimed(job), Cancel);
        }

        Assert.Equal(8, _derived.InputKeys(TimelineDeriver.DeriverName).Count);
        var stored = Assert.Single(await _derived.GetAsync(TimelineDeriver.DeriverName, "e8", Cancel));
        Assert.Equal("e8:started", stored.Record.Key);
        Assert.Equal(3, stored.DeriverVersion);
    }

    [Fact]
    public async Task A_failing_derive_job_throws_so_the_queue_retries_it()
    {
        var client = Build(records: 7);
        await client.SyncNowAsync(new SyncNowRequest { Source = "hr", Stream = "employments" }, Cancel);
        var handler = _provider!.GetServices<IJobHandler>().Single(h => h.JobType == IngestionJobTypes.Derive);
        _deriver.FailFor = "e6";

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await handler.HandleAsync(RecordingJobQueue.Claimed(Assert.Single(_queue.OfType(IngestionJobTypes.Derive))), Cancel));

        Assert.Contains("e6", error.Message, StringComparison.Ordinal);
        Assert.Contains("e7", _derived.InputKeys(TimelineDeriver.DeriverName));
    }

    [Fact]
    public async Task An_inline_failure_is_reported_and_its_key_queued_instead()
    {
        var client = Build(records: 6);
        _deriver.FailFor = "e2";

        var result = await client.SyncNowAsync(new SyncNowRequest { Source = "hr", Stream = "employments" }, Cancel);

        Assert.Equal(4, result.DerivedInline);
        Assert.Contains(result.DerivationErrors, e => e.Contains("e2", StringComparison.Ordinal));
        // Key 6, past the inline budget, was queued while the run went on; key 2 after its inline derivation failed.
        var queuedKeys = _queue.OfType(IngestionJobTypes.Derive).SelectMany(j => DeriveJobPayload.Parse(j.Payload).Keys).ToList();
        Assert.Equal(["6", "2"], queuedKeys);
    }

    [Fact]
    public async Task Keys_no_deriver_can_take_are_reported_as_skipped_not_as_derived()
    {
        // Taken inline: two employments, one payload that is not JSON (stored raw and flagged) and one record this deriver
        // does not map to an employee.
        var client = Build(
            [("1", """{"id":"1","employee":"e1"}"""), ("2", "not json"), ("3", """{"id":"3"}"""), ("4", """{"id":"4","employee":"e4"}""")],
            inMemoryRawStore: true);

        var result = await client.SyncNowAsync(new SyncNowRequest { Source = "hr", Stream = "employments" }, Cancel);

        Assert.Equal(4, Assert.Single(result.Reports).RecordsNew);
        Assert.Equal(2, result.DerivedInline);
        Assert.Equal(2, result.SkippedInline);
        Assert.Equal(0, result.QueuedForDerivation);
        Assert.Empty(result.DerivationErrors);
        Assert.Equal(["e1", "e4"], _derived.InputKeys(TimelineDeriver.DeriverName));
        Assert.Empty(_queue.OfType(IngestionJobTypes.Derive));
    }

    [Fact]
    public async Task A_queued_derive_job_reports_what_it_derived_and_skipped()
    {
        var client = Build([("1", """{"id":"1","employee":"e1"}"""), ("2", """{"id":"2"}""")], o => o.InlineDerivations = 0);
        await client.SyncNowAsync(new SyncNowRequest { Source = "hr", Stream = "employments" }, Cancel);
        var handler = _provider!.GetServices<IJobHandler>().Single(h => h.JobType == IngestionJobTypes.Derive);

        var summary = await handler.HandleAsync(RecordingJobQueue.Claimed(Assert.Single(_queue.OfType(IngestionJobTypes.Derive))), Cancel);

        Assert.Equal("""{"keys":2,"derived":1,"skipped":1}""", summary);
        Assert.Equal(["e1"], _derived.InputKeys(TimelineDeriver.DeriverName));
    }

    [Fact]
    public async Task The_inline_count_can_be_changed_per_request_and_zero_queues_everything()
    {
        var client = Build(records: 4);

        var result = await client.SyncNowAsync(new SyncNowRequest { Source = "hr", Stream = "employments", InlineDerivations = 0 }, Cancel);

        Assert.Equal(0, result.DerivedInline);
        Assert.Equal(4, result.QueuedForDerivation);
        Assert.Empty(_derived.InputKeys(TimelineDeriver.DeriverName));
    }

    [Fact]
    public async Task Background_run_enqueues_one_sync_job_and_returns_at_once()
    {
        var client = Build(records: 3);

        var first = await client.SyncNowAsync(new SyncNowRequest { Source = "hr", Mode = SyncNowMode.Background }, Cancel);
        var second = await client.SyncNowAsync(new SyncNowRequest { Source = "hr", Mode = SyncNowMode.Background }, Cancel);

        Assert.Empty(first.Reports);
        Assert.NotNull(first.SyncJobId);
        Assert.True(second.AlreadyQueued);
        Assert.Equal(first.SyncJobId, second.SyncJobId);
        var job = Assert.Single(_queue.Enqueued);
        Assert.Equal(IngestionJobTypes.Sync, job.JobType);
        var payload = SyncJobPayload.Parse(job.Payload);
        Assert.Equal("hr", payload.Source);
        Assert.Null(payload.Stream);
        Assert.Equal("manual", payload.Trigger);
        Assert.Equal(0, _stores.BatchCount);
    }

    [Fact]
    public async Task An_unknown_source_or_stream_is_an_argument_error()
    {
        var client = Build(records: 1);

        await Assert.ThrowsAsync<ArgumentException>(() => client.SyncNowAsync(new SyncNowRequest { Source = "nope" }, Cancel));
        await Assert.ThrowsAsync<ArgumentException>(() => client.SyncNowAsync(new SyncNowRequest { Source = "hr", Stream = "nope" }, Cancel));
    }

    [Fact]
    public async Task Invalid_client_options_stop_start_up_naming_them()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<IRawStore>(_stores).AddSingleton<ISyncStateStore>(_stores).AddSingleton<IRunLog>(_stores).AddSingleton<IHealthStore>(_stores);
        builder.Services.AddIngestion(ingestion => ingestion.ConfigureClient(o =>
        {
            o.InlineDerivations = -1;
            o.DeriveBatchSize = 0;
        }));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Cancel));

        Assert.Contains("IngestionClientOptions.InlineDerivations", error.Message, StringComparison.Ordinal);
        Assert.Contains("IngestionClientOptions.DeriveBatchSize", error.Message, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }
    }

    private IIngestionClient Build(int records, Action<IngestionClientOptions>? configure = null) =>
        Build([.. Enumerable.Range(1, records).Select(i => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), $$"""{"id":"{{i}}","employee":"e{{i}}"}"""))], configure);

    // With inMemoryRawStore, the engine's in-memory raw store instead of the test double: it flags invalid JSON as the
    // PostgreSQL store does.
    private IIngestionClient Build(IReadOnlyList<(string Key, string Json)> records, Action<IngestionClientOptions>? configure = null, bool inMemoryRawStore = false)
    {
        var fetcher = new ScriptedFetcher((_, _) => new ScriptedPage(records));
        var source = new SourceDefinition
        {
            Name = "hr",
            BaseAddress = new Uri("http://vendor.test/"),
            Streams = [new StreamDefinition { Name = "employments", Path = "employments", Records = new UnusedSelector() }],
        };
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddIngestion(ingestion =>
        {
            ingestion.AddSource(source).AddDeriver(_deriver);
            if (configure is not null)
            {
                ingestion.ConfigureClient(configure);
            }

            if (inMemoryRawStore)
            {
                ingestion.UseInMemoryStores();
            }
        });
        if (!inMemoryRawStore)
        {
            services.AddSingleton<IRawStore>(_stores).AddSingleton<ISyncStateStore>(_stores).AddSingleton<IRunLog>(_stores).AddSingleton<IHealthStore>(_stores);
        }

        services.AddSingleton<IDerivedStore>(_derived);
        services.AddSingleton<IJobQueue>(_queue);
        services.AddSingleton<IFetcher>(fetcher);
        _provider = services.BuildServiceProvider();
        return _provider.GetRequiredService<IIngestionClient>();
    }

    private sealed class TimelineDeriver : IDeriver
    {
        public const string DeriverName = "hr.timeline";

        public string? FailFor { get; set; }

        public string Name => DeriverName;

        public int Version => 3;

        public IReadOnlyList<StreamId> Inputs => [Employments];

        // A record without an employee is not an employment this deriver reads.
        public string? GetInputKey(StreamId stream, string recordKey, ReadOnlyMemory<byte> payload)
        {
            using var document = JsonDocument.Parse(payload);
            return document.RootElement.TryGetProperty("employee", out var employee) ? employee.GetString() : null;
        }

        public ValueTask<IReadOnlyList<DerivedRecord>> DeriveAsync(string inputKey, DerivationContext context, CancellationToken cancellationToken)
        {
            if (inputKey == FailFor)
            {
                throw new InvalidOperationException($"Cannot derive {inputKey}.");
            }

            IReadOnlyList<DerivedRecord> output = [new DerivedRecord { Key = inputKey + ":started", Kind = "contract_started", Payload = Encoding.UTF8.GetBytes("{}") }];
            return ValueTask.FromResult(output);
        }
    }
}

internal sealed class SynchronousProgress(Action<SyncProgress> report) : IProgress<SyncProgress>
{
    public void Report(SyncProgress value) => report(value);
}
