namespace Ingestion.Samples.Host;

/// <summary>One demo pass: sync every source, derive what changed, read health, and print the report.</summary>
internal sealed class DemoRun(ISourceCatalog catalog, ISyncRunner runner, IRawStore rawStore, IDerivedStore derivedStore, IHealthStore healthStore, IEnumerable<IDeriver> derivers, TimeProvider timeProvider)
{
    public async Task<PassResult> RunPassAsync(string title, TextWriter output, CancellationToken cancellationToken)
    {
        // One source failing never stops the others: each returns its own reports.
        var perSource = await Task.WhenAll(catalog.Sources.Select(source => runner.SyncSourceAsync(source.Name, options: null, cancellationToken)));
        var reports = perSource.SelectMany(r => r).ToList();
        var derived = await DeriveChangedAsync(reports, cancellationToken);
        var health = await healthStore.GetAllAsync(cancellationToken);
        RunReportWriter.WritePass(output, title, reports, health, derived);

        long stored = 0;
        foreach (var stream in reports.Select(r => r.Stream).Distinct())
        {
            stored += await rawStore.CountLatestAsync(stream, cancellationToken);
        }

        return new PassResult(reports, stored);
    }

    private async Task<Dictionary<string, int>> DeriveChangedAsync(IReadOnlyList<SyncReport> reports, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var context = new DerivationContext { RawStore = rawStore, TimeProvider = timeProvider };
        foreach (var deriver in derivers)
        {
            var inputKeys = new HashSet<string>(StringComparer.Ordinal);
            foreach (var report in reports.Where(r => deriver.Inputs.Contains(r.Stream)))
            {
                foreach (var key in report.ChangedKeys)
                {
                    var record = await rawStore.GetLatestAsync(report.Stream, key, cancellationToken);
                    if (record is not null && deriver.GetInputKey(report.Stream, key, record.Payload) is { } inputKey)
                    {
                        inputKeys.Add(inputKey);
                    }
                }
            }

            var total = 0;
            foreach (var inputKey in inputKeys)
            {
                var records = await deriver.DeriveAsync(inputKey, context, cancellationToken);
                await derivedStore.ReplaceAsync(deriver.Name, deriver.Version, inputKey, records, cancellationToken);
                total += records.Count;
            }

            counts[deriver.Name] = total;
        }

        return counts;
    }
}

/// <summary>What one pass did and how many latest records the synced streams hold afterwards.</summary>
internal sealed record PassResult(IReadOnlyList<SyncReport> Reports, long StoredRecords);
