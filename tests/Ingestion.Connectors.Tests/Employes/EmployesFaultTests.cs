using Ingestion.Connectors.Tests.Support;
using Ingestion.Samples.VendorSimulator;

namespace Ingestion.Connectors.Tests.Employes;

/// <summary>
/// Every fault the simulator can inject into Employes, each after a good sync: the run ends with the right issue, nothing
/// good is lost or deleted, and the next sync without the fault is complete again. The engine runs on a fake clock (see
/// <see cref="EmployesHarness"/>): an attempt times out only when a test times out a slow response, so request counts are exact.
/// </summary>
public sealed class EmployesFaultTests(ConnectorTestFixture fixture)
{
    private const int EmployeeCount = 12;
    private const string EmployeesPage = "/v4/*/employees";

    // The simulator runs on the engine's clock: a slow response is held past the attempt timeout, so moving the clock past
    // that timeout always ends the attempt before the response could arrive.
    private static readonly TimeSpan SlowDelay = EmployesHarness.AttemptTimeout * 4;

    private async Task<EmployesHarness> StartSyncedAsync(string source, Action<Ingestion.Connectors.Employes.EmployesOptions>? configure = null)
    {
        var harness = await EmployesHarness.StartAsync(fixture, nameof(EmployesFaultTests), source, configure: configure);
        var (employees, employments) = await harness.SyncAsync();
        Assert.Equal(RunStatus.Succeeded, employees.Status);
        Assert.Equal(RunStatus.Succeeded, employments.Status);
        return harness;
    }

    private static string EmploymentsOf(Guid employee) => $"/v4/*/employees/{employee}/employments";

    // Timing out a slow response times out every attempt in flight with it, so the employments of a slow-response test
    // are fetched one at a time; the other kinds keep four at once.
    private static Action<Ingestion.Connectors.Employes.EmployesOptions>? OneAtATimeIfSlow(FaultKind kind) =>
        kind == FaultKind.SlowResponse ? o => o.MaxConcurrency = 1 : null;

    private static FaultRule[] SlowOnes(FaultKind kind, params FaultRule[] rules) => kind == FaultKind.SlowResponse ? rules : [];

    [Theory]
    [InlineData(FaultKind.RateLimitBurst)]
    [InlineData(FaultKind.ServerErrorBurst)]
    [InlineData(FaultKind.DropConnection)]
    [InlineData(FaultKind.SlowResponse)]
    public async Task A_short_burst_is_retried_and_the_run_succeeds_with_everything(FaultKind kind)
    {
        await using var harness = await StartSyncedAsync("burst-" + kind, OneAtATimeIfSlow(kind));
        var rule = harness.Simulator.Faults.Add(new FaultRule(Vendor.Employes, EmployeesPage, kind, Times: 2) { Skip = 1, Delay = SlowDelay });
        var child = harness.Simulator.Faults.Add(new FaultRule(Vendor.Employes, "/v4/*/employees/*/employments", kind, Times: 2) { Delay = SlowDelay });

        var (employees, employments) = await harness.SyncAsync(SlowOnes(kind, rule, child));

        Assert.Equal(2, rule.Fired);
        Assert.Equal(2, child.Fired);
        Assert.Equal(RunStatus.Succeeded, employees.Status);
        Assert.Equal(RunStatus.Succeeded, employments.Status);
        Assert.Equal(3 + 2, employees.Requests); // three pages, two retried
        Assert.Equal(EmployeeCount + 2, employments.Requests);
        Assert.Equal(EmployeeCount, employees.RecordsUnchanged);
        Assert.Equal(EmployeeCount, employments.RecordsUnchanged);
        Assert.Contains(employees.Issues, i => i.Kind == IssueKind.RetrySucceeded);
        Assert.Contains(employments.Issues, i => i.Kind == IssueKind.RetrySucceeded);
        Assert.All(employees.Issues.Concat(employments.Issues), i => Assert.Equal(IssueSeverity.Info, i.Severity));
    }

    [Theory]
    [InlineData(FaultKind.RateLimitBurst, IssueKind.RateLimited, 429)]
    [InlineData(FaultKind.ServerErrorBurst, IssueKind.Transient, 500)]
    [InlineData(FaultKind.SlowResponse, IssueKind.Transient, null)]
    [InlineData(FaultKind.DropConnection, IssueKind.Transient, null)]
    [InlineData(FaultKind.TruncatedBody, IssueKind.MalformedBody, 200)]
    [InlineData(FaultKind.MalformedBody, IssueKind.MalformedBody, 200)]
    public async Task A_lasting_fault_on_one_employee_keeps_their_good_data_and_flags_the_run(FaultKind kind, IssueKind expected, int? status)
    {
        await using var harness = await StartSyncedAsync("lasting-" + kind, OneAtATimeIfSlow(kind));
        var victim = harness.Simulator.Data.EmployeeIds[3];
        var before = await harness.Host.RawStore.GetLatestAsync(harness.Employments, victim.ToString(), TestContext.Current.CancellationToken);
        var rule = harness.Simulator.Faults.Add(new FaultRule(Vendor.Employes, EmploymentsOf(victim), kind, Times: int.MaxValue) { Delay = SlowDelay });

        var (employees, employments) = await harness.SyncAsync(SlowOnes(kind, rule));

        Assert.Equal(RunStatus.Succeeded, employees.Status);
        Assert.Equal(RunStatus.Partial, employments.Status);
        var issue = Assert.Single(employments.Issues, i => i.Key == victim.ToString());
        Assert.Equal(expected, issue.Kind);
        Assert.Equal(status, issue.HttpStatusCode);
        if (expected is IssueKind.Transient or IssueKind.RateLimited)
        {
            Assert.Equal(1 + EmployesHarness.FastResilience().MaxRetries, rule.Fired); // every attempt failed, and no more were made
        }

        Assert.Equal(1, employments.RecordsPartial);
        Assert.Equal(EmployeeCount - 1, employments.RecordsUnchanged);
        Assert.Equal(0, employments.RecordsDeleted);

        // The partial fetch never hides the good version.
        var after = await harness.Host.RawStore.GetLatestAsync(harness.Employments, victim.ToString(), TestContext.Current.CancellationToken);
        Assert.NotNull(after);
        Assert.False(after.IsPartial);
        Assert.Equal(before!.Hash, after.Hash);
        Assert.Equal(before.Version, after.Version);
        Assert.Equal(EmployeeCount, await harness.Host.RawStore.CountLatestAsync(harness.Employments, TestContext.Current.CancellationToken));

        harness.Simulator.Faults.Clear();
        var (_, recovered) = await harness.SyncAsync();
        Assert.Equal(RunStatus.Succeeded, recovered.Status);
        Assert.Equal(EmployeeCount, recovered.RecordsUnchanged);
    }

    [Theory]
    [InlineData(FaultKind.TruncatedBody)]
    [InlineData(FaultKind.MalformedBody)]
    public async Task A_bad_employees_page_is_skipped_and_paging_goes_on_without_deleting_the_employees_it_did_not_see(FaultKind kind)
    {
        await using var harness = await StartSyncedAsync("page-" + kind);
        // The second page stays bad on every attempt (one bad body alone is retried within the run); the pages after it are good.
        harness.Simulator.Faults.Add(new FaultRule(Vendor.Employes, EmployeesPage, kind, Times: 1 + EmployesHarness.FastResilience().MaxRetries) { Skip = 1, Delay = SlowDelay });

        var reports = await harness.SyncSourceAsync();

        var employees = Assert.Single(reports, r => r.Stream == harness.Employees);
        Assert.Equal(RunStatus.Partial, employees.Status);
        Assert.Contains(employees.Issues, i => i.Kind == IssueKind.MalformedBody);

        // Page numbers do not depend on the bad page: its five employees are missing, the pages before and after are read.
        Assert.Equal(EmployeeCount - 5, employees.RecordsUnchanged);
        Assert.Equal(1, employees.PagesSkipped);
        Assert.Equal(0, employees.RecordsDeleted);
        Assert.False(employees.GuardTripped);
        Assert.Equal(3, employees.Pages);
        Assert.All(reports, r => Assert.Equal(0, r.RecordsDeleted));
        Assert.Equal(EmployeeCount, await harness.Host.RawStore.CountLatestAsync(harness.Employees, TestContext.Current.CancellationToken));
        Assert.Equal(EmployeeCount, await harness.Host.RawStore.CountLatestAsync(harness.Employments, TestContext.Current.CancellationToken));

        var (again, employments) = await harness.SyncAsync();
        Assert.Equal(RunStatus.Succeeded, again.Status);
        Assert.Equal(RunStatus.Succeeded, employments.Status);
        Assert.Equal(EmployeeCount, again.RecordsUnchanged);
    }

    [Fact]
    public async Task An_expired_token_fails_the_run_as_unauthorized_naming_the_key_and_loses_nothing()
    {
        await using var harness = await StartSyncedAsync("expired");
        var rule = harness.Simulator.Faults.Add(new FaultRule(Vendor.Employes, null, FaultKind.ExpiredToken, Times: int.MaxValue));

        var reports = await harness.SyncSourceAsync();

        var employees = Assert.Single(reports, r => r.Stream == harness.Employees);
        Assert.Equal(RunStatus.Failed, employees.Status);
        Assert.Equal(1, rule.Fired); // a static token is not refreshed, and a 401 is not retried
        var issue = Assert.Single(employees.Issues, i => i.Kind == IssueKind.Unauthorized);
        Assert.Equal(401, issue.HttpStatusCode);
        Assert.Contains("BearerToken", issue.Message, StringComparison.Ordinal);
        Assert.Equal(0, employees.RecordsDeleted);
        Assert.Equal(EmployeeCount, await harness.Host.RawStore.CountLatestAsync(harness.Employees, TestContext.Current.CancellationToken));
        Assert.Equal(EmployeeCount, await harness.Host.RawStore.CountLatestAsync(harness.Employments, TestContext.Current.CancellationToken));

        var token = harness.Simulator.Options.EmployesToken;
        Assert.DoesNotContain(reports.SelectMany(r => r.Issues), i => i.Message.Contains(token, StringComparison.Ordinal));
        Assert.DoesNotContain(harness.Host.Logs.Lines, line => line.Contains(token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_gateway_403_for_an_unknown_route_is_a_configuration_error_naming_the_base_address()
    {
        await using var misrouted = await EmployesHarness.StartAsync(
            fixture,
            nameof(EmployesFaultTests),
            "misrouted",
            configure: o => o.BaseAddress = new Uri(new Uri(o.BaseAddress), "../").ToString()); // the simulator's address without /v4/

        var reports = await misrouted.SyncSourceAsync();

        var employees = Assert.Single(reports);
        Assert.Equal(RunStatus.Failed, employees.Status);
        var issue = Assert.Single(employees.Issues, i => i.Kind == IssueKind.Configuration);
        Assert.Equal(403, issue.HttpStatusCode);
        Assert.Contains("does not know the route", issue.Message, StringComparison.Ordinal);
        Assert.Contains("BaseAddress", issue.Message, StringComparison.Ordinal);
        Assert.Equal(1, misrouted.Simulator.RequestCount(Vendor.Employes)); // a 403 is not retried
        var failedPage = Assert.Single(await misrouted.LatestAsync(misrouted.Employees)); // the failed page, kept as a partial record
        Assert.True(failedPage.IsPartial);
        Assert.Equal(403, failedPage.HttpStatusCode);
        Assert.DoesNotContain(misrouted.Simulator.Options.EmployesToken, issue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_company_the_token_may_not_see_is_a_configuration_error_naming_the_company_id()
    {
        await using var harness = await EmployesHarness.StartAsync(
            fixture,
            nameof(EmployesFaultTests),
            "other-company",
            configure: o => o.CompanyId = "00000000-0000-0000-0000-000000000001");

        var reports = await harness.SyncSourceAsync();

        var employees = Assert.Single(reports);
        Assert.Equal(RunStatus.Failed, employees.Status);
        var issue = Assert.Single(employees.Issues, i => i.Kind == IssueKind.Configuration);
        Assert.Contains("CompanyId", issue.Message, StringComparison.Ordinal);
    }
}
