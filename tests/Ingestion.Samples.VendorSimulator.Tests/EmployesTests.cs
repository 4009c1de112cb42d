using System.Net;
using System.Text.Json;
using static Ingestion.Samples.VendorSimulator.Tests.TestSupport;

namespace Ingestion.Samples.VendorSimulator.Tests;

public sealed class EmployesTests
{
    [Fact]
    public async Task Bearer_token_is_required_and_checked()
    {
        await using var sim = await VendorSimulator.StartAsync(Small(), Ct);
        using var client = sim.Client();

        var (missing, missingJson) = await client.SendJsonAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(sim.EmployesBaseAddress, sim.EmployeesPath())));
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("Unauthorized", missingJson.RootElement.GetProperty("message").GetString());

        var (wrong, _) = await client.SendJsonAsync(sim.Employes(sim.EmployeesPath(), token: "not-the-token"));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);

        var (ok, _) = await client.SendJsonAsync(sim.Employes(sim.EmployeesPath()));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        var (companies, companiesJson) = await client.SendJsonAsync(sim.Employes("companies"));
        Assert.Equal(HttpStatusCode.OK, companies.StatusCode);
        Assert.Equal(sim.Options.EmployesCompanyId, companiesJson.RootElement.GetProperty("data")[0].GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task Employees_are_paged_with_the_page_envelope_and_per_page_is_capped_at_100()
    {
        await using var sim = await VendorSimulator.StartAsync(Small(), Ct);
        using var client = sim.Client();

        var ids = new List<Guid>();
        var page = 1;
        int pages;
        do
        {
            var (response, json) = await client.SendJsonAsync(sim.Employes($"{sim.EmployeesPath()}?page={page}&per_page=100"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var root = json.RootElement;
            Assert.Equal(250, root.GetProperty("total").GetInt32());
            Assert.Equal(page, root.GetProperty("page").GetInt32());
            Assert.Equal(100, root.GetProperty("per_page").GetInt32());
            pages = root.GetProperty("pages").GetInt32();
            ids.AddRange(root.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("id").GetGuid()));
            page++;
        }
        while (page <= pages);

        Assert.Equal(3, pages);
        Assert.Equal(sim.Data.EmployeeIds, ids);
        Assert.Equal(3, sim.RequestCount(Vendor.Employes, "/v4/*/employees"));

        var (_, capped) = await client.SendJsonAsync(sim.Employes($"{sim.EmployeesPath()}?page=1&per_page=500"));
        Assert.Equal(100, capped.RootElement.GetProperty("per_page").GetInt32());
        Assert.Equal(100, capped.RootElement.GetProperty("data").GetArrayLength());

        var (_, beyond) = await client.SendJsonAsync(sim.Employes($"{sim.EmployeesPath()}?page=9&per_page=100"));
        Assert.Equal(0, beyond.RootElement.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task Unknown_routes_and_methods_answer_the_gateway_403()
    {
        await using var sim = await VendorSimulator.StartAsync(Small(), Ct);
        using var client = sim.Client();
        var id = sim.Data.EmployeeIds[0];

        foreach (var path in new[] { $"{sim.EmployeesPath()}/{id}/contracts", $"companies/{sim.Options.EmployesCompanyId}/employees", "departments" })
        {
            var (response, json) = await client.SendJsonAsync(sim.Employes(path));
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.StartsWith("Invalid key=value pair (missing equal-sign) in Authorization header", json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        using var post = sim.Employes(sim.EmployeesPath());
        post.Method = HttpMethod.Post;
        var (posted, _) = await client.SendJsonAsync(post);
        Assert.Equal(HttpStatusCode.Forbidden, posted.StatusCode);

        var (otherCompany, _) = await client.SendJsonAsync(sim.Employes($"{Guid.NewGuid()}/employees"));
        Assert.Equal(HttpStatusCode.Forbidden, otherCompany.StatusCode);

        var (missing, missingJson) = await client.SendJsonAsync(sim.Employes($"{sim.EmployeesPath()}/{Guid.NewGuid()}"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("Not Found", missingJson.RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public async Task One_employee_has_the_list_shape_and_employments_hold_the_history()
    {
        await using var sim = await VendorSimulator.StartAsync(Small(), Ct);
        using var client = sim.Client();

        var (_, list) = await client.SendJsonAsync(sim.Employes($"{sim.EmployeesPath()}?page=1&per_page=100"));
        var first = list.RootElement.GetProperty("data")[0];
        var (_, single) = await client.SendJsonAsync(sim.Employes($"{sim.EmployeesPath()}/{first.GetProperty("id").GetGuid()}"));
        Assert.Equal(first.GetRawText(), single.RootElement.GetRawText());

        var withEmployment = list.RootElement.GetProperty("data").EnumerateArray().First(e => e.TryGetProperty("employment", out _));
        Assert.DoesNotContain("+", withEmployment.GetProperty("employment").GetProperty("start_date").GetString(), StringComparison.Ordinal);
        var (_, employments) = await client.SendJsonAsync(sim.Employes($"{sim.EmployeesPath()}/{withEmployment.GetProperty("id").GetGuid()}/employments"));
        var periods = employments.RootElement.GetProperty("data");
        Assert.True(periods.GetArrayLength() >= 1);
        foreach (var period in periods.EnumerateArray())
        {
            Assert.True(period.GetProperty("salary").GetArrayLength() >= 1);
            Assert.True(period.GetProperty("hours").GetArrayLength() >= 1);
            Assert.True(period.GetProperty("contracts").GetArrayLength() >= 1);
            Assert.True(period.TryGetProperty("tax_details", out _));
        }

        var none = sim.Data.EmployeeIdsWithoutEmployment[0];
        var (_, bare) = await client.SendJsonAsync(sim.Employes($"{sim.EmployeesPath()}/{none}"));
        Assert.False(bare.RootElement.TryGetProperty("employment", out _));
        var (_, empty) = await client.SendJsonAsync(sim.Employes($"{sim.EmployeesPath()}/{none}/employments"));
        Assert.Equal(0, empty.RootElement.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task Employments_envelope_is_configurable()
    {
        await using var sim = await VendorSimulator.StartAsync(Small(o => o.EmploymentsEnvelope = EmploymentsEnvelope.BareArray), Ct);
        using var client = sim.Client();
        var (_, json) = await client.SendJsonAsync(sim.Employes($"{sim.EmployeesPath()}/{sim.Data.EmployeeIds[0]}/employments"));
        Assert.Equal(JsonValueKind.Array, json.RootElement.ValueKind);
    }

    [Fact]
    public async Task Histories_contain_renewals_raises_decreases_hours_changes_and_open_ended_periods()
    {
        await using var sim = await VendorSimulator.StartAsync(new SimulatorOptions(), Ct);
        using var client = sim.Client();
        bool raise = false, decrease = false, hoursChange = false, renewal = false, openEnded = false, outOfService = false, missingSnapshot = 0 > 1;
        var missingSnapshots = 0;
        for (var page = 1; page <= 5; page++)
        {
            var (_, list) = await client.SendJsonAsync(sim.Employes($"{sim.EmployeesPath()}?page={page}&per_page=100"));
            foreach (var employee in list.RootElement.GetProperty("data").EnumerateArray())
            {
                outOfService |= employee.GetProperty("status").GetString() == "out of service";
                if (!employee.TryGetProperty("employment", out var snapshot))
                {
                    missingSnapshots++;
                    continue;
                }

                openEnded |= !snapshot.GetProperty("contract").TryGetProperty("end_date", out _);
            }
        }

        foreach (var id in sim.Data.EmployeeIds.Take(120))
        {
            var (_, json) = await client.SendJsonAsync(sim.Employes($"{sim.EmployeesPath()}/{id}/employments"));
            foreach (var employment in json.RootElement.GetProperty("data").EnumerateArray())
            {
                var wages = employment.GetProperty("salary").EnumerateArray().Select(s => s.GetProperty("hour_wage").GetDecimal()).ToList();
                raise |= wages.Zip(wages.Skip(1)).Any(p => p.Second > p.First);
                decrease |= wages.Zip(wages.Skip(1)).Any(p => p.Second < p.First);
                var hours = employment.GetProperty("hours").EnumerateArray().Select(h => h.GetProperty("hours_per_week").GetDecimal()).ToList();
                hoursChange |= hours.Zip(hours.Skip(1)).Any(p => p.Second != p.First);
                renewal |= employment.GetProperty("contracts").GetArrayLength() > 1;
            }
        }

        missingSnapshot = missingSnapshots > 50;
        Assert.True(raise && decrease && hoursChange && renewal && openEnded && outOfService && missingSnapshot,
            $"raise={raise} decrease={decrease} hours={hoursChange} renewal={renewal} open={openEnded} out={outOfService} missing={missingSnapshots}");
    }

    [Fact]
    public async Task Salary_change_alters_exactly_the_targeted_employee()
    {
        await using var sim = await VendorSimulator.StartAsync(Small(), Ct);
        using var client = sim.Client();

        async Task<Dictionary<Guid, string>> SnapshotAsync()
        {
            var result = new Dictionary<Guid, string>();
            for (var page = 1; page <= 3; page++)
            {
                var (_, json) = await client.SendJsonAsync(sim.Employes($"{sim.EmployeesPath()}?page={page}&per_page=100"));
                foreach (var e in json.RootElement.GetProperty("data").EnumerateArray())
                {
                    result[e.GetProperty("id").GetGuid()] = e.GetRawText();
                }
            }

            return result;
        }

        var before = await SnapshotAsync();
        var target = sim.Data.EmployeeIds.Except(sim.Data.EmployeeIdsWithoutEmployment).First();
        var (_, historyBefore) = await client.SendJsonAsync(sim.Employes($"{sim.EmployeesPath()}/{target}/employments"));
        sim.Data.ChangeEmployeeSalary(target, 9.99m, new DateOnly(2026, 6, 1));
        var after = await SnapshotAsync();

        var changed = before.Keys.Where(id => before[id] != after[id]).ToList();
        Assert.Equal([target], changed);
        var (_, historyAfter) = await client.SendJsonAsync(sim.Employes($"{sim.EmployeesPath()}/{target}/employments"));
        var salaries = historyAfter.RootElement.GetProperty("data").EnumerateArray().Last().GetProperty("salary");
        Assert.Equal(9.99m, salaries.EnumerateArray().Last().GetProperty("hour_wage").GetDecimal());
        Assert.Equal(
            historyBefore.RootElement.GetProperty("data").EnumerateArray().Last().GetProperty("salary").GetArrayLength() + 1,
            salaries.GetArrayLength());
    }
}
