using Microsoft.Extensions.DependencyInjection;

namespace Ingestion.Client.Internal;

/// <summary>
/// Runs <see cref="IngestionJobTypes.RederiveDue"/> jobs: for every <see cref="ITimeSensitiveDeriver"/>, derives again each input
/// key that has a record of a due kind whose effective date has passed, so a planned event becomes what it planned once its
/// day comes. A key that fails is named in the error and the job is retried; re-deriving a key twice is harmless.
/// </summary>
internal sealed class RederiveDueJobHandler(IServiceProvider services, IEnumerable<IDeriver> derivers, TimeProvider time) : IJobHandler
{
    public string JobType => IngestionJobTypes.RederiveDue;

    public async ValueTask<string?> HandleAsync(ClaimedJob job, CancellationToken cancellationToken)
    {
        var timeSensitive = derivers.OfType<ITimeSensitiveDeriver>().ToList();
        if (timeSensitive.Count == 0)
        {
            return """{"rederived":0}""";
        }

        var store = services.GetRequiredService<IDerivedStore>();
        var context = new DerivationContext { RawStore = services.GetRequiredService<IRawStore>(), TimeProvider = time };
        var now = time.GetUtcNow();
        var rederived = 0;
        var errors = new List<string>();
        foreach (var deriver in timeSensitive)
        {
            var due = new SortedSet<string>(StringComparer.Ordinal);
            await foreach (var stored in store.GetAllAsync(deriver.Name, cancellationToken).ConfigureAwait(false))
            {
                if (deriver.KindsDueAtEffectiveDate.Contains(stored.Record.Kind) && stored.Record.EffectiveAt <= now)
                {
                    due.Add(stored.InputKey);
                }
            }

            foreach (var inputKey in due)
            {
                try
                {
                    var output = await deriver.DeriveAsync(inputKey, context, cancellationToken).ConfigureAwait(false);
                    await store.ReplaceAsync(deriver.Name, deriver.Version, inputKey, output, cancellationToken).ConfigureAwait(false);
                    rederived++;
                }
                catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    errors.Add($"Deriver '{deriver.Name}' failed for input key '{inputKey}': {exception.Message}");
                }
            }
        }

        if (errors.Count > 0)
        {
            throw new InvalidOperationException($"{errors.Count} due re-derivation(s) failed: " + string.Join("; ", errors.Take(5)));
        }

        return $$"""{"rederived":{{rederived}}}""";
    }
}
