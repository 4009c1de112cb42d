using System.Text;
using System.Text.Json;
using Ingestion.Connectors.Employes;
using Ingestion.Connectors.Employes.Deriving.Internal;
using Ingestion.Connectors.Tests.Support;

namespace Ingestion.Connectors.Tests.Employes;

public sealed class EmploymentTimelineDeriverTests(ConnectorTestFixture fixture)
{
    private const string Employee = "3f0c2a9e-5b7d-4e11-9a52-0c6b9d1e7a10";

    // A one-year definite contract renewed as permanent, a raise, a pay cut and an hours change; checked by hand.
    private const string History = """
        [ { "id": "emp-1", "start_date": "2024-09-01T00:00:00",
            "salary": [
              { "id": "s3", "start_date": "2026-01-01T00:00:00", "hour_wage": 17.50, "month_wage": 2730, "is_active": true },
              { "id": "s1", "start_date": "2024-09-01T00:00:00", "end_date": "2025-06-30T00:00:00", "hour_wage": 17.35, "month_wage": 2709, "yearly_wage": 31207.68 },
              { "id": "s2", "start_date": "2025-07-01T00:00:00", "end_date": "2025-12-31T00:00:00", "hour_wage": 18.24, "month_wage": 2846, "yearly_wage": 32785.96 } ],
            "hours": [
              { "id": "h1", "start_date": "2024-09-01T00:00:00", "hours_per_week": 30, "days_per_week": 5, "employee_type": "parttime" },
              { "id": "h2", "start_date": "2025-01-02T00:00:00", "hours_per_week": 32, "days_per_week": 4, "employee_type": "parttime" } ],
            "contracts": [
              { "id": "c1", "start_date": "2024-09-01T00:00:00", "end_date": "2025-08-31T00:00:00", "contract_duration": "definite" },
              { "id": "c2", "start_date": "2025-09-01T00:00:00", "contract_duration": "permanent" } ],
            "tax_details": { "start_date": "2024-09-01T00:00:00", "is_reduction_applied": true } } ]
        """;

    // As of a day after every date in these fixtures, so every end date has passed.
    private static IReadOnlyList<DerivedRecord> Derive(string json) => EmploymentTimeline.Derive(Employee, Encoding.UTF8.GetBytes(json), new DateOnly(2100, 1, 1));

    private static JsonElement Payload(DerivedRecord record) => JsonDocument.Parse(record.Payload).RootElement;

    [Fact]
    public void A_history_gives_start_renewal_raise_cut_and_hours_change_each_dated_and_keyed()
    {
        var events = Derive(History);

        Assert.Equal(
            [
                $"{Employee}:contract_started:2024-09-01",
                $"{Employee}:contract_renewed:2025-09-01",
                $"{Employee}:salary_increase:2025-07-01",
                $"{Employee}:salary_decrease:2026-01-01",
                $"{Employee}:hours_change:2025-01-02",
            ],
            events.Select(e => e.Key));
        Assert.Equal(["contract_started", "contract_renewed", "salary_increase", "salary_decrease", "hours_change"], events.Select(e => e.Kind));

        var started = Payload(events[0]);
        Assert.Equal("definite", started.GetProperty("contract_duration").GetString());
        Assert.Equal("2025-08-31", started.GetProperty("contract_end_date").GetString());
        Assert.Equal(17.35m, started.GetProperty("hour_wage").GetDecimal());
        Assert.False(started.GetProperty("rehire").GetBoolean());
        Assert.Equal(new DateTimeOffset(2024, 9, 1, 0, 0, 0, TimeSpan.Zero), events[0].EffectiveAt);

        var renewed = Payload(events[1]);
        Assert.Equal("definite", renewed.GetProperty("from_duration").GetString());
        Assert.Equal("permanent", renewed.GetProperty("to_duration").GetString());
        Assert.Equal("2025-08-31", renewed.GetProperty("previous_end_date").GetString());

        // 17.35 → 18.24: +0.89 an hour, +5.13 %.
        var raise = Payload(events[2]);
        Assert.Equal("hour_wage", raise.GetProperty("basis").GetString());
        Assert.Equal(0.89m, raise.GetProperty("amount").GetDecimal());
        Assert.Equal(5.13m, raise.GetProperty("percentage").GetDecimal());
        Assert.Equal(2709m, raise.GetProperty("month_wage_from").GetDecimal());
        Assert.Equal(2846m, raise.GetProperty("month_wage_to").GetDecimal());

        // 18.24 → 17.50: −0.74 an hour, −4.06 %.
        var cut = Payload(events[3]);
        Assert.Equal(-0.74m, cut.GetProperty("amount").GetDecimal());
        Assert.Equal(-4.06m, cut.GetProperty("percentage").GetDecimal());
        Assert.Equal("2026-01-01", cut.GetProperty("date").GetString());

        var hours = Payload(events[4]);
        Assert.Equal(30m, hours.GetProperty("from_hours_per_week").GetDecimal());
        Assert.Equal(32m, hours.GetProperty("to_hours_per_week").GetDecimal());
        Assert.Equal(5, hours.GetProperty("from_days_per_week").GetInt32());
        Assert.Equal(4, hours.GetProperty("to_days_per_week").GetInt32());
    }

    [Fact]
    public void A_salary_change_is_titled_with_the_monthly_amount_when_both_periods_have_one()
    {
        var events = Derive(History);

        // 2709 → 2846 a month: +137.00, +5.06 %; 2846 → 2730: −116.00, −4.08 %. The basis stays the hourly wage.
        Assert.Equal("Salary increase (+€137.00/month, +5.06%)", Payload(events[2]).GetProperty("title").GetString());
        Assert.Equal(137m, Payload(events[2]).GetProperty("month_amount").GetDecimal());
        Assert.Equal("hour_wage", Payload(events[2]).GetProperty("basis").GetString());
        Assert.Equal("Salary decrease (-€116.00/month, -4.08%)", Payload(events[3]).GetProperty("title").GetString());

        // Without monthly wages the hourly amount is the title's.
        var hourly = Derive("""
            [ { "id": "a", "start_date": "2025-01-01T00:00:00",
                "salary": [ { "id": "s1", "start_date": "2025-01-01T00:00:00", "hour_wage": 15 },
                            { "id": "s2", "start_date": "2025-07-01T00:00:00", "hour_wage": 16.5 } ] } ]
            """).Single(e => e.Kind == EmploymentTimeline.SalaryIncrease);
        Assert.Equal("Salary increase (+€1.50/hour, +10%)", Payload(hourly).GetProperty("title").GetString());
        Assert.False(Payload(hourly).TryGetProperty("month_amount", out _));
    }

    [Fact]
    public void An_employee_with_no_employment_has_no_events()
    {
        Assert.Empty(Derive("[]"));
    }

    [Fact]
    public void An_ended_employment_and_a_rehire_give_an_end_and_a_second_start()
    {
        var events = Derive("""
            [ { "id": "b", "start_date": "2025-03-01T00:00:00",
                "contracts": [ { "id": "c2", "start_date": "2025-03-01T00:00:00", "contract_duration": "definite", "end_date": "2026-02-28T00:00:00" } ] },
              { "id": "a", "start_date": "2023-01-01T00:00:00", "end_date": "2023-12-31T00:00:00",
                "salary": [ { "id": "s1", "start_date": "2023-01-01T00:00:00", "hour_wage": 15 },
                            { "id": "s2", "start_date": "2023-07-01T00:00:00", "hour_wage": 15 } ],
                "contracts": [ { "id": "c1", "start_date": "2023-01-01T00:00:00", "end_date": "2023-12-31T00:00:00", "contract_duration": "definite" } ] } ]
            """);

        Assert.Equal(
            [
                $"{Employee}:contract_started:2023-01-01",
                $"{Employee}:contract_ended:2023-12-31",
                $"{Employee}:contract_started:2025-03-01",
                $"{Employee}:contract_ended:2026-02-28",
            ],
            events.Select(e => e.Key)); // an unchanged wage is no event
        Assert.True(Payload(events[2]).GetProperty("rehire").GetBoolean());
    }

    [Fact]
    public void A_fixed_term_end_still_ahead_is_a_planned_end_and_an_end_on_or_before_today_has_happened()
    {
        const string FixedTerm = """
            [ { "id": "a", "start_date": "2026-03-01T00:00:00",
                "contracts": [ { "id": "c1", "start_date": "2026-03-01T00:00:00", "contract_duration": "definite", "end_date": "2027-02-28T00:00:00" } ] } ]
            """;

        var beforeTheEnd = EmploymentTimeline.Derive(Employee, Encoding.UTF8.GetBytes(FixedTerm), new DateOnly(2026, 12, 2));
        var onTheEnd = EmploymentTimeline.Derive(Employee, Encoding.UTF8.GetBytes(FixedTerm), new DateOnly(2027, 2, 28));

        Assert.Equal([$"{Employee}:contract_started:2026-03-01", $"{Employee}:contract_end_planned:2027-02-28"], beforeTheEnd.Select(e => e.Key));
        Assert.DoesNotContain(beforeTheEnd, e => e.Kind == EmploymentTimeline.ContractEnded);
        Assert.Equal([$"{Employee}:contract_started:2026-03-01", $"{Employee}:contract_ended:2027-02-28"], onTheEnd.Select(e => e.Key));
    }

    [Fact]
    public void The_output_does_not_depend_on_the_order_the_vendor_sends_periods_in()
    {
        using var document = JsonDocument.Parse(History);
        var employment = document.RootElement[0];
        var reversed = JsonSerializer.Serialize(new[]
        {
            new Dictionary<string, JsonElement>(employment.EnumerateObject().Reverse().Select(p => KeyValuePair.Create(p.Name,
                p.Value.ValueKind == JsonValueKind.Array ? JsonSerializer.SerializeToElement(p.Value.EnumerateArray().Reverse().ToArray()) : p.Value))),
        });

        var expected = Derive(History);
        var actual = Derive(reversed);

        Assert.Equal(expected.Select(e => e.Key), actual.Select(e => e.Key));
        Assert.Equal(expected.Select(e => Encoding.UTF8.GetString(e.Payload.Span)), actual.Select(e => Encoding.UTF8.GetString(e.Payload.Span)));
    }

    [Fact]
    public async Task Deriving_after_syncs_replaces_the_output_without_duplicates_and_picks_up_a_salary_change()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var harness = await EmployesHarness.StartAsync(fixture, nameof(EmploymentTimelineDeriverTests), "timeline");
        var (_, employments) = await harness.SyncAsync();
        var deriver = new EmploymentTimelineDeriver(harness.Source);
        var context = new DerivationContext { RawStore = harness.Host.RawStore, TimeProvider = TimeProvider.System };
        var store = harness.Host.DerivedStore;

        async Task<int> DeriveAsync(IEnumerable<string> keys)
        {
            foreach (var key in keys)
            {
                Assert.Equal(key, deriver.GetInputKey(harness.Employments, key, ReadOnlyMemory<byte>.Empty));
                var output = await deriver.DeriveAsync(key, context, ct);
                Assert.Equal(output.Count, output.Select(r => r.Key).Distinct(StringComparer.Ordinal).Count());
                await store.ReplaceAsync(deriver.Name, deriver.Version, key, output, ct);
            }

            var count = 0;
            await foreach (var _ in store.GetAllAsync(deriver.Name, ct))
            {
                count++;
            }

            return count;
        }

        var first = await DeriveAsync(employments.ChangedKeys);
        Assert.True(first > 0);
        Assert.Equal(first, await DeriveAsync(employments.ChangedKeys)); // re-derived: same events, no duplicates
        foreach (var id in harness.Simulator.Data.EmployeeIdsWithoutEmployment)
        {
            Assert.Empty(await store.GetAsync(deriver.Name, id.ToString(), ct));
        }

        var employee = harness.Simulator.Data.EmployeeIds.Except(harness.Simulator.Data.EmployeeIdsWithoutEmployment).First();
        harness.Simulator.Data.ChangeEmployeeSalary(employee, 5.00m, new DateOnly(2026, 6, 1));
        var (_, changed) = await harness.SyncAsync();
        Assert.Equal([employee.ToString()], changed.ChangedKeys);

        Assert.Equal(first + 1, await DeriveAsync(changed.ChangedKeys));
        var cut = Assert.Single(await store.GetAsync(deriver.Name, employee.ToString(), ct), r => r.Record.Key == $"{employee}:salary_decrease:2026-06-01");
        Assert.Equal(5.00m, JsonDocument.Parse(cut.Record.Payload).RootElement.GetProperty("to").GetDecimal());
    }
}
