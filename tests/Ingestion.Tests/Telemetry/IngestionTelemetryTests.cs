using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Ingestion.Telemetry.Internal;
using Ingestion.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Ingestion.Tests.Telemetry;

public sealed class IngestionTelemetryTests
{
    private const string Token = "tok-3f9a1c-secret";
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_real_sync_moves_the_counters_and_emits_run_and_request_spans_without_secrets()
    {
        var source = "telemetry-" + Guid.NewGuid().ToString("N")[..8];
        var measurements = new ConcurrentQueue<(string Instrument, double Value, string? Outcome)>();
        var activities = new ConcurrentQueue<Activity>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Ingestion")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        meters.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        meters.Start();
        using var spans = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Ingestion",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if (a.GetTagItem("ingestion.source") as string == source)
                {
                    activities.Enqueue(a);
                }
            },
        };
        ActivitySource.AddActivityListener(spans);

        await using var server = await TestHttpServer.StartAsync(app => app.MapGet("/items", (HttpContext context) =>
            context.Request.Query["cursor"] == "p2"
                ? TestHttp.WriteJsonAsync(context, """{"data":[{"id":"3"}],"next":null}""")
                : TestHttp.WriteJsonAsync(context, """{"data":[{"id":"1"},{"id":"2"}],"next":"p2"}""")));
        var services = new ServiceCollection();
        services.AddIngestion(ingestion => ingestion
            .UseInMemoryStores()
            .AddRestSource(source, s => s
                .BaseAddress(server.BaseAddress)
                .BearerToken(Token)
                .Stream("items", st => st.Get("items").Records("$.data").Key("id").Paginate(Paginators.Cursor("$.next", "cursor")))));
        await using var provider = services.BuildServiceProvider();

        await provider.GetRequiredService<ISyncRunner>().SyncStreamAsync(source, "items", null, Cancel);

        Assert.Equal(2, measurements.Where(m => m.Instrument == "ingestion.http.requests").Sum(m => m.Value));
        Assert.Equal(2, measurements.Where(m => m.Instrument == "ingestion.sync.pages").Sum(m => m.Value));
        Assert.Equal(3, measurements.Where(m => m.Instrument == "ingestion.sync.records" && m.Outcome == "new").Sum(m => m.Value));
        Assert.Single(measurements, m => m.Instrument == "ingestion.sync.run.duration");
        Assert.Single(activities, a => a.OperationName == "ingestion.sync");
        Assert.Equal(2, activities.Count(a => a.OperationName == "ingestion.http.request"));
        Assert.All(activities.SelectMany(a => a.TagObjects), tag => Assert.DoesNotContain(Token, tag.Value?.ToString() ?? string.Empty, StringComparison.Ordinal));

        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? tagSource = null, outcome = null;
            foreach (var tag in tags)
            {
                tagSource = tag.Key == "ingestion.source" ? tag.Value as string : tagSource;
                outcome = tag.Key == "ingestion.outcome" ? tag.Value as string : outcome;
            }

            if (tagSource == source)
            {
                measurements.Enqueue((instrument.Name, value, outcome));
            }
        }
    }

    [Fact]
    public async Task Queue_depth_and_lag_gauges_report_the_sampled_queue()
    {
        var services = new ServiceCollection();
        services.AddIngestion(ingestion => ingestion.UseInMemoryStores());
        await using var provider = services.BuildServiceProvider();
        var queue = provider.GetRequiredService<IJobQueue>();
        const string jobType = "telemetry.test-job";
        for (var i = 0; i < 3; i++)
        {
            await queue.EnqueueAsync(new JobRequest { JobType = jobType }, Cancel);
        }

        var sampler = provider.GetServices<IHostedService>().OfType<QueueStatsSampler>().Single();
        await sampler.SampleAsync(Cancel);
        var depth = new ConcurrentQueue<(long Value, string? Type)>();
        var lag = new ConcurrentQueue<double>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Ingestion" && instrument.Name.StartsWith("ingestion.queue.", StringComparison.Ordinal))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) => depth.Enqueue((value, tags.ToArray().FirstOrDefault(t => t.Key == "ingestion.job.type").Value as string)));
        listener.SetMeasurementEventCallback<double>((_, value, _, _) => lag.Enqueue(value));
        listener.Start();

        listener.RecordObservableInstruments();

        Assert.Contains((3L, jobType), depth);
        Assert.NotEmpty(lag);
    }

    [Fact]
    public async Task Queue_gauges_of_two_hosts_in_one_process_do_not_overwrite_each_other_and_a_disposed_host_stops_reporting()
    {
        var first = await SampledHostAsync("telemetry.first-host", jobs: 2);
        await using var second = await SampledHostAsync("telemetry.second-host", jobs: 5);

        Assert.Contains((2L, "telemetry.first-host"), ObserveDepth());
        Assert.Contains((5L, "telemetry.second-host"), ObserveDepth());

        await first.DisposeAsync();

        var after = ObserveDepth();
        Assert.DoesNotContain(after, measurement => measurement.Type == "telemetry.first-host");
        Assert.Contains((5L, "telemetry.second-host"), after);
    }

    private static async Task<ServiceProvider> SampledHostAsync(string jobType, int jobs)
    {
        var services = new ServiceCollection();
        services.AddIngestion(ingestion => ingestion.UseInMemoryStores());
        var provider = services.BuildServiceProvider();
        var queue = provider.GetRequiredService<IJobQueue>();
        for (var i = 0; i < jobs; i++)
        {
            await queue.EnqueueAsync(new JobRequest { JobType = jobType }, Cancel);
        }

        await provider.GetServices<IHostedService>().OfType<QueueStatsSampler>().Single().SampleAsync(Cancel);
        return provider;
    }

    private static List<(long Value, string? Type)> ObserveDepth()
    {
        var depth = new ConcurrentQueue<(long Value, string? Type)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Ingestion" && instrument.Name == "ingestion.queue.depth")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) => depth.Enqueue((value, tags.ToArray().FirstOrDefault(t => t.Key == "ingestion.job.type").Value as string)));
        listener.Start();
        listener.RecordObservableInstruments();
        return [.. depth];
    }
}
