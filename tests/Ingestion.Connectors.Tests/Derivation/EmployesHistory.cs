using System.Globalization;
using System.Text;
using Ingestion.Connectors.Employes;

namespace Ingestion.Connectors.Tests.Derivation;

/// <summary>
/// Employees whose employments (salary, hours and contract periods) are rewritten, emptied and removed at random; dates
/// reach a few days past the clock, so planned contract ends fall due while the history runs.
/// </summary>
internal sealed class EmployesHistory(int seed) : IVendorHistory
{
    private static readonly DateOnly Today = new(2026, 3, 2);
    private readonly Random _random = new(seed);
    private readonly Dictionary<string, string> _employments = new(StringComparer.Ordinal);

    public void Mutate()
    {
        for (var i = _random.Next(1, 4); i > 0; i--)
        {
            var employee = $"emp-{_random.Next(6)}";
            switch (_random.Next(10))
            {
                case 0:
                    _employments.Remove(employee);
                    break;
                case 1:
                    _employments[employee] = "[]";
                    break;
                default:
                    _employments[employee] = Employments();
                    break;
            }
        }
    }

    public IReadOnlyDictionary<StreamId, IReadOnlyDictionary<string, string>> Snapshot() =>
        new Dictionary<StreamId, IReadOnlyDictionary<string, string>>
        {
            [new StreamId(EmployesDefaults.SourceName, EmployesStreams.Employments)] = new Dictionary<string, string>(_employments, StringComparer.Ordinal),
        };

    private string Employments()
    {
        var text = new StringBuilder("[");
        var count = _random.Next(1, 3);
        for (var e = 0; e < count; e++)
        {
            var start = Today.AddDays(-_random.Next(200, 700) + (e * 300));
            var end = _random.Next(3) == 0 ? start.AddDays(_random.Next(100, 800)) : (DateOnly?)null;
            text.Append(e > 0 ? "," : string.Empty)
                .Append(CultureInfo.InvariantCulture, $$"""{"id":"e{{e}}","start_date":"{{Date(start)}}","end_date":{{Date(end)}},""")
                .Append("\"salary\":[").Append(Periods(start, _ => Salary())).Append("],")
                .Append("\"hours\":[").Append(Periods(start, _ => Hours())).Append("],")
                .Append("\"contracts\":[").Append(Contracts(start)).Append("]}");
        }

        return text.Append(']').ToString();
    }

    private string Salary()
    {
        var hour = 15 + _random.Next(0, 6) + (_random.Next(0, 100) / 100m);
        var month = 2400 + (_random.Next(0, 12) * 50);
        return string.Create(CultureInfo.InvariantCulture, $"\"hour_wage\":{hour},\"month_wage\":{month}");
    }

    private string Hours() =>
        string.Create(CultureInfo.InvariantCulture, $"\"hours_per_week\":{_random.Next(3, 9) * 4},\"days_per_week\":{_random.Next(3, 6)}");

    private string Periods(DateOnly start, Func<int, string> fields)
    {
        var parts = new List<string>();
        var day = start;
        for (var p = _random.Next(1, 4); p > 0; p--)
        {
            parts.Add($$"""{"id":"p{{parts.Count}}","start_date":"{{Date(day)}}",{{fields(p)}}}""");
            day = day.AddDays(_random.Next(30, 200));
        }

        return string.Join(',', parts);
    }

    private string Contracts(DateOnly start)
    {
        var parts = new List<string>();
        var day = start;
        for (var c = _random.Next(1, 3); c > 0; c--)
        {
            // An end near today: past, today, or a few days ahead (a planned end that falls due during the history).
            var end = c > 1 ? day.AddDays(_random.Next(60, 300)) : _random.Next(2) == 0 ? Today.AddDays(_random.Next(-5, 12)) : (DateOnly?)null;
            var duration = end is null ? "permanent" : "definite";
            parts.Add($$"""{"id":"c{{parts.Count}}","start_date":"{{Date(day)}}","end_date":{{Date(end)}},"contract_duration":"{{duration}}"}""");
            if (end is not { } next || next < day)
            {
                break;
            }

            day = next.AddDays(1);
        }

        return string.Join(',', parts);
    }

    private static string Date(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "T00:00:00";

    private static string Date(DateOnly? day) => day is { } d ? $"\"{Date(d)}\"" : "null";
}
