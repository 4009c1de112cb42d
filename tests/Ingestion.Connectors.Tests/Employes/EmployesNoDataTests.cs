using Ingestion.Connectors.Tests.Support;

namespace Ingestion.Connectors.Tests.Employes;

/// <summary>
/// An employee whose <c>/employments</c> answers 404 (the employee exists) or 200 with an empty body has no employments: the
/// run stays complete, so the employments snapshot still marks records deleted, and the employee's earlier record is one of them.
/// </summary>
public sealed class EmployesNoDataTests(ConnectorTestFixture fixture)
{
    private const int EmployeeCount = 12;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_employee_without_employments_is_an_empty_child_whose_earlier_record_is_soft_deleted(bool notFound)
    {
        await using var harness = await EmployesHarness.StartAsync(fixture, nameof(EmployesNoDataTests), notFound ? "not-found" : "empty-body");
        var first = await harness.SyncAsync();
        Assert.Equal(RunStatus.Succeeded, first.Employments.Status);
        var victim = harness.Simulator.Data.EmployeeIds[3];
        (notFound ? harness.Simulator.Options.EmployesEmploymentsNotFoundFor : harness.Simulator.Options.EmployesEmploymentsEmptyBodyFor).Add(victim);
        harness.Clock.Advance(TimeSpan.FromMinutes(1));

        var (employees, employments) = await harness.SyncAsync();

        Assert.Equal(RunStatus.Succeeded, employees.Status);
        Assert.Equal(RunStatus.Succeeded, employments.Status);
        Assert.Equal(0, employments.RecordsPartial);
        Assert.Equal(EmployeeCount - 1, employments.RecordsUnchanged);
        Assert.Equal(1, employments.RecordsDeleted);
        Assert.DoesNotContain(employments.Issues, i => i.Severity != IssueSeverity.Info);
        var stored = await harness.Host.RawStore.GetLatestAsync(harness.Employments, victim.ToString(), TestContext.Current.CancellationToken);
        Assert.NotNull(stored);
        Assert.NotNull(stored.DeletedAt);

        // The next complete run without the fault brings the record back.
        harness.Simulator.Options.EmployesEmploymentsNotFoundFor.Clear();
        harness.Simulator.Options.EmployesEmploymentsEmptyBodyFor.Clear();
        harness.Clock.Advance(TimeSpan.FromMinutes(1));
        var (_, again) = await harness.SyncAsync();
        Assert.Equal(RunStatus.Succeeded, again.Status);
        var back = await harness.Host.RawStore.GetLatestAsync(harness.Employments, victim.ToString(), TestContext.Current.CancellationToken);
        Assert.Null(back!.DeletedAt);
    }
}
