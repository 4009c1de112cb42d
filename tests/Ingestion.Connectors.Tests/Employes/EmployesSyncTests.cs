using System.Text.Json;
using Ingestion.Connectors.Tests.Support;
using Ingestion.Samples.VendorSimulator;

namespace Ingestion.Connectors.Tests.Employes;

public sealed class EmployesSyncTests(ConnectorTestFixture fixture)
{
    private const int EmployeeCount = 12;

    private Task<EmployesHarness> StartAsync(string source, SimulatorOptions? simulator = null, Action<Ingestion.Connectors.Employes.EmployesOptions>? configure = null) =>
        EmployesHarness.StartAsync(fixture, nameof(EmployesSyncTests), source, simulator, configure);

    [Fact]
    public async Task A_full_sync_pages_until_pages_and_stores_every_employee_and_their_employments()
    {
        await using var harness = await StartAsync("full");
        var sim = harness.Simulator;

        var (employees, employments) = await harness.SyncAsync();

        Assert.Equal(RunStatus.Succeeded, employees.Status);
        Assert.Equal(RunStatus.Succeeded, employments.Status);
        Assert.Equal(3, employees.Pages); // 12 employees, 5 per page: pages = 3, and no fourth request
        Assert.Equal(3, sim.RequestCount(Vendor.Employes, "/v4/*/employees"));
        Assert.All(sim.Requests.For(Vendor.Employes, "/v4/*/employees"), r => Assert.Contains("per_page=5", r.Query, StringComparison.Ordinal));
        Assert.Equal(EmployeeCount, employees.RecordsNew);
        Assert.Equal(EmployeeCount, employments.RecordsNew);
        Assert.Equal(EmployeeCount, sim.RequestCount(Vendor.Employes, "/v4/*/employees/*/employments"));
        Assert.Empty(employees.Issues);
        Assert.Empty(employments.Issues);

        var storedEmployees = await harness.LatestAsync(harness.Employees);
        Assert.Equal(sim.Data.EmployeeIds.Select(id => id.ToString()).Order(StringComparer.Ordinal), storedEmployees.Select(r => r.Key).Order(StringComparer.Ordinal));

        // One employments record per employee: the array of its periods; an employee without employment has an empty array.
        var storedEmployments = (await harness.LatestAsync(harness.Employments)).ToDictionary(r => r.Key);
        Assert.Equal(EmployeeCount, storedEmployments.Count);
        var without = sim.Data.EmployeeIdsWithoutEmployment;
        Assert.NotEmpty(without);
        foreach (var (key, record) in storedEmployments)
        {
            using var json = JsonDocument.Parse(record.Payload);
            Assert.Equal(JsonValueKind.Array, json.RootElement.ValueKind);
            Assert.Equal(without.Contains(Guid.Parse(key)), json.RootElement.GetArrayLength() == 0);
        }
    }

    [Fact]
    public async Task A_second_sync_with_nothing_changed_finds_everything_unchanged_and_writes_no_versions()
    {
        await using var harness = await StartAsync("unchanged");
        await harness.SyncAsync();

        var (employees, employments) = await harness.SyncAsync();

        Assert.Equal(RunStatus.Succeeded, employees.Status);
        Assert.Equal(RunStatus.Succeeded, employments.Status);
        Assert.Equal((0, 0, EmployeeCount, 0), (employees.RecordsNew, employees.RecordsChanged, employees.RecordsUnchanged, employees.RecordsDeleted));
        Assert.Equal((0, 0, EmployeeCount, 0), (employments.RecordsNew, employments.RecordsChanged, employments.RecordsUnchanged, employments.RecordsDeleted));
        Assert.Empty(employees.ChangedKeys);
        Assert.Empty(employments.ChangedKeys);
        foreach (var record in await harness.LatestAsync(harness.Employments))
        {
            Assert.Equal(1, record.Version);
        }
    }

    [Fact]
    public async Task After_the_vendor_changes_some_employees_exactly_those_get_new_versions()
    {
        await using var harness = await StartAsync("changes");
        await harness.SyncAsync();
        var sim = harness.Simulator;
        var employed = sim.Data.EmployeeIds.Except(sim.Data.EmployeeIdsWithoutEmployment).ToList();
        var raised = employed[0];
        var moreHours = employed[1];
        var terminated = employed[2];
        sim.Data.ChangeEmployeeSalary(raised, 31.50m, new DateOnly(2026, 6, 1));
        sim.Data.ChangeEmployeeHours(moreHours, 38, 5, new DateOnly(2026, 6, 1));
        sim.Data.TerminateEmployee(terminated, new DateOnly(2026, 6, 30));

        var (employees, employments) = await harness.SyncAsync();

        string[] expected = [.. new[] { raised, moreHours, terminated }.Select(id => id.ToString()).Order(StringComparer.Ordinal)];
        Assert.Equal((0, 3, EmployeeCount - 3), (employees.RecordsNew, employees.RecordsChanged, employees.RecordsUnchanged));
        Assert.Equal((0, 3, EmployeeCount - 3), (employments.RecordsNew, employments.RecordsChanged, employments.RecordsUnchanged));
        Assert.Equal(expected, employees.ChangedKeys.Order(StringComparer.Ordinal));
        Assert.Equal(expected, employments.ChangedKeys.Order(StringComparer.Ordinal));
        foreach (var id in sim.Data.EmployeeIds)
        {
            var versions = expected.Contains(id.ToString()) ? 2 : 1;
            Assert.Equal(versions, (await harness.HistoryAsync(harness.Employees, id.ToString())).Count);
            Assert.Equal(versions, (await harness.HistoryAsync(harness.Employments, id.ToString())).Count);
        }
    }

    [Fact]
    public async Task A_bare_array_employments_body_is_stored_like_the_data_envelope_and_two_accounts_sync_side_by_side()
    {
        await using var enveloped = await StartAsync("envelope");
        var bareOptions = EmployesHarness.SmallData();
        bareOptions.EmploymentsEnvelope = EmploymentsEnvelope.BareArray;
        await using var bare = await StartAsync("bare", bareOptions);

        var (_, fromEnvelope) = await enveloped.SyncAsync();
        var (_, fromBare) = await bare.SyncAsync();

        Assert.Equal(RunStatus.Succeeded, fromEnvelope.Status);
        Assert.Equal(RunStatus.Succeeded, fromBare.Status);
        var a = (await enveloped.LatestAsync(enveloped.Employments)).ToDictionary(r => r.Key);
        var b = (await bare.LatestAsync(bare.Employments)).ToDictionary(r => r.Key);
        Assert.Equal(EmployeeCount, b.Count);
        Assert.Equal(a.Keys.Order(StringComparer.Ordinal), b.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, record) in a)
        {
            Assert.Equal(record.Hash, b[key].Hash);
        }
    }
}
