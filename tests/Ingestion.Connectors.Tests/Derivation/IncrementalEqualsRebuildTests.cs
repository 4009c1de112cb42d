using Ingestion.Connectors.Employes;
using Ingestion.Connectors.Finale;
using Ingestion.Connectors.Jibble;
using Ingestion.Connectors.Tests.Support;

namespace Ingestion.Connectors.Tests.Derivation;

/// <summary>
/// Every deriver gives the same output whether it follows a history of edits, moves and deletions step by step (the
/// engine's incremental path) or derives everything again from the raw store at the end: a randomized history per seed,
/// for the Employes timeline, the Jibble work sessions and the Finale purchase-order summaries.
/// </summary>
public sealed class IncrementalEqualsRebuildTests(ConnectorTestFixture database)
{
    private const int Steps = 40;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public Task Employes_timeline_incremental_equals_rebuild_in_memory(int seed) =>
        RunAsync(new EmploymentTimelineDeriver(), new EmployesHistory(seed), connectionString: null);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public Task Jibble_sessions_incremental_equals_rebuild_in_memory(int seed) =>
        RunAsync(new WorkSessionDeriver(), new JibbleHistory(seed), connectionString: null);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public Task Finale_summaries_incremental_equals_rebuild_in_memory(int seed) =>
        RunAsync(FinaleHistory.Deriver(), new FinaleHistory(seed), connectionString: null);

    [Fact]
    public async Task Every_deriver_incremental_equals_rebuild_on_postgres()
    {
        await RunAsync(new EmploymentTimelineDeriver(), new EmployesHistory(11), await database.CreateDatabaseAsync("rebuild_employes"));
        await RunAsync(new WorkSessionDeriver(), new JibbleHistory(11), await database.CreateDatabaseAsync("rebuild_jibble"));
        await RunAsync(FinaleHistory.Deriver(), new FinaleHistory(11), await database.CreateDatabaseAsync("rebuild_finale"));
    }

    private static async Task RunAsync(IDeriver deriver, IVendorHistory history, string? connectionString)
    {
        await using var run = await DerivationHistory.StartAsync(deriver, connectionString, Cancel);
        var seen = 0;
        for (var step = 0; step < Steps; step++)
        {
            history.Mutate();
            await run.StepAsync(history.Snapshot(), Cancel);
            if (step % 10 == 9)
            {
                // Compared along the way too, so a difference names the step that made it.
                Assert.Equal(await run.RebuildAsync(Cancel), await run.IncrementalAsync(Cancel));
            }

            seen = Math.Max(seen, (await run.IncrementalAsync(Cancel)).Count);
        }

        var rebuilt = await run.RebuildAsync(Cancel);
        Assert.Equal(rebuilt, await run.IncrementalAsync(Cancel));
        Assert.True(seen > 0, "The history derived nothing, so the comparison proves nothing.");
    }
}

/// <summary>A vendor's data, changed at random one step at a time.</summary>
internal interface IVendorHistory
{
    /// <summary>Applies a few random inserts, edits, moves and deletions.</summary>
    void Mutate();

    /// <summary>Every stream's complete content now, key → JSON.</summary>
    IReadOnlyDictionary<StreamId, IReadOnlyDictionary<string, string>> Snapshot();
}
