using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Ingestion.Tests.Running;

public sealed class SyncRunnerTelemetryTests
{
    [Fact]
    public async Task Pages_records_by_outcome_and_run_duration_are_measured()
    {
        const string sourceName = "telemetry-shop";
        var measurements = new ConcurrentQueue<(string Instrument, double Value, string? Outcome)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Ingestion")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.Start();

        var fetcher = new ScriptedFetcher((fetch, request) => request.GetQueryParameter("page") is null
            ? new ScriptedPage([Json.Record("1", "a"), Json.Record("2", "b")], request.WithQueryParameter("page", "2"))
            : new ScriptedPage([Json.Record("3", "c")]));
        var source = new SourceDefinition
        {
            Name = sourceName,
            BaseAddress = new Uri("http://vendor.test/"),
            Streams = [new StreamDefinition { Name = "items", Path = "items", Records = new UnusedSelector() }],
        };
        await using var harness = new RunnerHarness(source, fetcher);

        await harness.Runner.SyncStreamAsync(sourceName, "items", null, TestContext.Current.CancellationToken);
        await harness.Runner.SyncStreamAsync(sourceName, "items", null, TestContext.Current.CancellationToken);

        Assert.Equal(4, measurements.Where(m => m.Instrument == "ingestion.sync.pages").Sum(m => m.Value));
        Assert.Equal(3, measurements.Where(m => m.Instrument == "ingestion.sync.records" && m.Outcome == "new").Sum(m => m.Value));
        Assert.Equal(3, measurements.Where(m => m.Instrument == "ingestion.sync.records" && m.Outcome == "unchanged").Sum(m => m.Value));
        Assert.Equal(2, measurements.Count(m => m.Instrument == "ingestion.sync.run.duration"));

        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? source = null, outcome = null;
            foreach (var tag in tags)
            {
                source = tag.Key == "ingestion.source" ? tag.Value as string : source;
                outcome = tag.Key == "ingestion.outcome" ? tag.Value as string : outcome;
            }

            if (source == sourceName)
            {
                measurements.Enqueue((instrument.Name, value, outcome));
            }
        }
    }
}
