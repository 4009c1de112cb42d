namespace Ingestion.Samples.Host;

/// <summary>One demo pass: sync every source with every changed record derived at once, read health, and print the report.</summary>
internal sealed class DemoRun(ISourceCatalog catalog, IIngestionClient client, IRawStore rawStore, IHealthStore healthStore)
{
    public async Task<PassResult> RunPassAsync(string title, TextWriter output, CancellationToken cancellationToken)
    {
        // An interactive run derives inline; with no limit the demo derives every changed record before it reports.
        // One source failing never stops the others: each returns its own reports.
        var results = await Task.WhenAll(catalog.Sources.Select(source => client.SyncNowAsync(
            new SyncNowRequest { Source = source.Name, Mode = SyncNowMode.Interactive, InlineDerivations = int.MaxValue },
            cancellationToken)));
        var reports = results.SelectMany(r => r.Reports).ToList();
        var derived = catalog.Sources.Zip(results).ToDictionary(pair => pair.First.Name, pair => pair.Second.DerivedInline, StringComparer.Ordinal);
        var skipped = catalog.Sources.Zip(results).ToDictionary(pair => pair.First.Name, pair => pair.Second.SkippedInline, StringComparer.Ordinal);
        var health = await healthStore.GetAllAsync(cancellationToken);
        RunReportWriter.WritePass(output, title, reports, health, derived, skipped);
        foreach (var error in results.SelectMany(r => r.DerivationErrors))
        {
            output.WriteLine($"  derivation error: {error}");
        }

        long stored = 0;
        foreach (var stream in reports.Select(r => r.Stream).Distinct())
        {
            stored += await rawStore.CountLatestAsync(stream, cancellationToken);
        }

        return new PassResult(reports, stored);
    }
}

/// <summary>What one pass did and how many latest records the synced streams hold afterwards.</summary>
internal sealed record PassResult(IReadOnlyList<SyncReport> Reports, long StoredRecords);
