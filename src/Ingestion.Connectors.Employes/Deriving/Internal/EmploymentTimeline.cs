using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Ingestion.Connectors.Employes.Deriving.Internal;

/// <summary>
/// The pure part of <see cref="EmploymentTimelineDeriver"/>: one employee's employment periods in, dated events out.
/// Periods are ordered by start date (then id), so the output is the same whatever order the vendor sends them in.
/// </summary>
internal static class EmploymentTimeline
{
    public const string ContractStarted = "contract_started";
    public const string ContractRenewed = "contract_renewed";
    public const string ContractEnded = "contract_ended";
    public const string ContractEndPlanned = "contract_end_planned";
    public const string SalaryIncrease = "salary_increase";
    public const string SalaryDecrease = "salary_decrease";
    public const string HoursChange = "hours_change";

    /// <summary>
    /// Derives the events of <paramref name="employeeId"/> from its employments payload (a JSON array; anything else gives none).
    /// An end date after <paramref name="today"/> is a planned end (most first contracts are fixed-term), not an ended contract.
    /// </summary>
    public static IReadOnlyList<DerivedRecord> Derive(string employeeId, ReadOnlyMemory<byte> employments, DateOnly today)
    {
        using var document = JsonDocument.Parse(employments);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var events = new List<DerivedRecord>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var periods = Ordered(document.RootElement);
        for (var index = 0; index < periods.Count; index++)
        {
            DeriveEmployment(employeeId, periods[index], rehire: index > 0, today, events, keys);
        }

        return events;
    }

    private static void DeriveEmployment(string employeeId, JsonElement employment, bool rehire, DateOnly today, List<DerivedRecord> events, HashSet<string> keys)
    {
        var employmentId = Text(employment, "id");
        var contracts = Ordered(Array(employment, "contracts"));
        var salaries = Ordered(Array(employment, "salary"));
        var hours = Ordered(Array(employment, "hours"));
        var first = contracts.Count > 0 ? contracts[0] : (JsonElement?)null;

        if ((Date(employment, "start_date") ?? (first is { } c ? Date(c, "start_date") : null)) is { } started)
        {
            Add(events, keys, employeeId, ContractStarted, started, w =>
            {
                Common(w, employmentId);
                w.WriteBoolean("rehire", rehire);
                if (first is { } contract)
                {
                    WriteText(w, "contract_duration", contract, "contract_duration");
                    WriteDate(w, "contract_end_date", Date(contract, "end_date"));
                }

                if (hours.Count > 0)
                {
                    WriteNumber(w, "hours_per_week", Number(hours[0], "hours_per_week"));
                    WriteNumber(w, "days_per_week", Number(hours[0], "days_per_week"));
                }

                if (salaries.Count > 0)
                {
                    WriteNumber(w, "hour_wage", Number(salaries[0], "hour_wage"));
                    WriteNumber(w, "month_wage", Number(salaries[0], "month_wage"));
                }
            }, Title(rehire ? "Contract started (re-hired)" : "Contract started", first is { } f ? Text(f, "contract_duration") : null));
        }

        for (var i = 1; i < contracts.Count; i++)
        {
            var previous = contracts[i - 1];
            var current = contracts[i];
            if (Date(current, "start_date") is not { } renewed)
            {
                continue;
            }

            Add(events, keys, employeeId, ContractRenewed, renewed, w =>
            {
                Common(w, employmentId);
                WriteText(w, "contract_id", current, "id");
                WriteText(w, "from_duration", previous, "contract_duration");
                WriteText(w, "to_duration", current, "contract_duration");
                WriteDate(w, "previous_end_date", Date(previous, "end_date"));
                WriteDate(w, "contract_end_date", Date(current, "end_date"));
            }, Title("Contract renewed", Text(current, "contract_duration")));
        }

        var last = contracts.Count > 0 ? contracts[^1] : (JsonElement?)null;
        if ((Date(employment, "end_date") ?? (last is { } l ? Date(l, "end_date") : null)) is { } ended)
        {
            var planned = ended > today;
            Add(events, keys, employeeId, planned ? ContractEndPlanned : ContractEnded, ended, w =>
            {
                Common(w, employmentId);
                if (last is { } contract)
                {
                    WriteText(w, "contract_duration", contract, "contract_duration");
                }
            }, planned ? "Contract ends (planned)" : "Contract ended");
        }

        for (var i = 1; i < salaries.Count; i++)
        {
            DeriveSalaryChange(employeeId, employmentId, salaries[i - 1], salaries[i], events, keys);
        }

        for (var i = 1; i < hours.Count; i++)
        {
            DeriveHoursChange(employeeId, employmentId, hours[i - 1], hours[i], events, keys);
        }
    }

    // The hourly wage decides when both periods have one (hours changes move the monthly wage on their own); otherwise the monthly wage.
    private static void DeriveSalaryChange(string employeeId, string? employmentId, JsonElement previous, JsonElement current, List<DerivedRecord> events, HashSet<string> keys)
    {
        if (Date(current, "start_date") is not { } date)
        {
            return;
        }

        string basis;
        decimal fromValue, toValue;
        if (Number(previous, "hour_wage") is > 0 and var fromHour && Number(current, "hour_wage") is > 0 and var toHour)
        {
            (basis, fromValue, toValue) = ("hour_wage", fromHour, toHour);
        }
        else if (Number(previous, "month_wage") is > 0 and var fromMonth && Number(current, "month_wage") is > 0 and var toMonth)
        {
            (basis, fromValue, toValue) = ("month_wage", fromMonth, toMonth);
        }
        else
        {
            return;
        }

        if (fromValue == toValue)
        {
            return;
        }

        var amount = toValue - fromValue;
        var percentage = Math.Round(amount / fromValue * 100m, 2, MidpointRounding.AwayFromZero);
        var kind = amount > 0 ? SalaryIncrease : SalaryDecrease;
        // The title states what the employee earns a month more or less, as the timeline shows it (+€200): the monthly
        // amount when both periods have one and it moved the same way as the basis; otherwise the basis's own amount.
        var (titleAmount, titlePercentage, unit) = (amount, percentage, basis == "hour_wage" ? "/hour" : "/month");
        decimal? monthAmount = null;
        if (Number(previous, "month_wage") is > 0 and var fromMonthly && Number(current, "month_wage") is > 0 and var toMonthly)
        {
            monthAmount = toMonthly - fromMonthly;
            if (Math.Sign(monthAmount.Value) == Math.Sign(amount))
            {
                (titleAmount, titlePercentage, unit) = (monthAmount.Value, Math.Round(monthAmount.Value / fromMonthly * 100m, 2, MidpointRounding.AwayFromZero), "/month");
            }
        }

        Add(events, keys, employeeId, kind, date, w =>
        {
            Common(w, employmentId);
            w.WriteString("basis", basis);
            w.WriteNumber("from", fromValue);
            w.WriteNumber("to", toValue);
            w.WriteNumber("amount", amount);
            w.WriteNumber("percentage", percentage);
            WriteNumber(w, "hour_wage_from", Number(previous, "hour_wage"));
            WriteNumber(w, "hour_wage_to", Number(current, "hour_wage"));
            WriteNumber(w, "month_wage_from", Number(previous, "month_wage"));
            WriteNumber(w, "month_wage_to", Number(current, "month_wage"));
            WriteNumber(w, "yearly_wage_from", Number(previous, "yearly_wage"));
            WriteNumber(w, "yearly_wage_to", Number(current, "yearly_wage"));
            WriteNumber(w, "month_amount", monthAmount);
        }, string.Create(CultureInfo.InvariantCulture, $"{(amount > 0 ? "Salary increase" : "Salary decrease")} ({(titleAmount > 0 ? "+" : "-")}€{Math.Abs(titleAmount):0.00}{unit}, {(titlePercentage > 0 ? "+" : string.Empty)}{titlePercentage:0.##}%)"));
    }

    private static void DeriveHoursChange(string employeeId, string? employmentId, JsonElement previous, JsonElement current, List<DerivedRecord> events, HashSet<string> keys)
    {
        if (Date(current, "start_date") is not { } date)
        {
            return;
        }

        var fromHours = Number(previous, "hours_per_week");
        var toHours = Number(current, "hours_per_week");
        var fromDays = Number(previous, "days_per_week");
        var toDays = Number(current, "days_per_week");
        if (fromHours == toHours && fromDays == toDays)
        {
            return;
        }

        Add(events, keys, employeeId, HoursChange, date, w =>
        {
            Common(w, employmentId);
            WriteNumber(w, "from_hours_per_week", fromHours);
            WriteNumber(w, "to_hours_per_week", toHours);
            WriteNumber(w, "from_days_per_week", fromDays);
            WriteNumber(w, "to_days_per_week", toDays);
            WriteText(w, "from_employee_type", previous, "employee_type");
            WriteText(w, "to_employee_type", current, "employee_type");
        }, string.Create(CultureInfo.InvariantCulture, $"Hours change ({fromHours:0.##}→{toHours:0.##}h/week)"));
    }

    private static void Add(List<DerivedRecord> events, HashSet<string> keys, string employeeId, string kind, DateOnly date, Action<Utf8JsonWriter> write, string title)
    {
        var day = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var key = $"{employeeId}:{kind}:{day}";

        // Two events of one kind on one day (rare: two employments) stay apart, numbered in their deterministic order.
        for (var n = 2; !keys.Add(key); n++)
        {
            key = string.Create(CultureInfo.InvariantCulture, $"{employeeId}:{kind}:{day}:{n}");
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("employee_id", employeeId);
            writer.WriteString("event", kind);
            writer.WriteString("date", day);
            writer.WriteString("title", title);
            write(writer);
            writer.WriteEndObject();
        }

        events.Add(new DerivedRecord
        {
            Key = key,
            Kind = kind,
            Payload = buffer.WrittenMemory.ToArray(),
            EffectiveAt = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero),
        });
    }

    private static void Common(Utf8JsonWriter writer, string? employmentId)
    {
        if (employmentId is not null)
        {
            writer.WriteString("employment_id", employmentId);
        }
    }

    private static string Title(string title, string? detail) => detail is null ? title : $"{title} ({detail})";

    private static List<JsonElement> Ordered(JsonElement array)
    {
        var items = new List<JsonElement>();
        if (array.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in array.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object)
                {
                    items.Add(item);
                }
            }
        }

        // Stable: periods without a start date keep their place at the end, in the vendor's order.
        return [.. items
            .Select((item, position) => (item, position))
            .OrderBy(p => Date(p.item, "start_date") ?? DateOnly.MaxValue)
            .ThenBy(p => Text(p.item, "id") ?? string.Empty, StringComparer.Ordinal)
            .ThenBy(p => p.position)
            .Select(p => p.item)];
    }

    private static JsonElement Array(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value : default;

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static decimal? Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var number) ? number : null;

    // Employes dates are offset-less ISO strings with midnight times ("2024-09-01T00:00:00"): the date part is the date.
    private static DateOnly? Date(JsonElement element, string name) =>
        Text(element, name) is { Length: >= 10 } text
        && DateOnly.TryParseExact(text.AsSpan(0, 10), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
        && date.Year > 1
            ? date
            : null;

    private static void WriteDate(Utf8JsonWriter writer, string name, DateOnly? date)
    {
        if (date is { } value)
        {
            writer.WriteString(name, value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        }
    }

    private static void WriteNumber(Utf8JsonWriter writer, string name, decimal? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
    }

    private static void WriteText(Utf8JsonWriter writer, string name, JsonElement element, string property)
    {
        if (Text(element, property) is { } value)
        {
            writer.WriteString(name, value);
        }
    }
}
