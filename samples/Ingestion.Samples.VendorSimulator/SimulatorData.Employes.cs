namespace Ingestion.Samples.VendorSimulator;

// Employes: the generated employees with their employment history, their queries and mutations.
public sealed partial class SimulatorData
{
    private static readonly string[] Prefixes = ["", "", "", "de", "van", "van der", "van den", "ter"];
    private static readonly string[] Cities = ["Delft", "Utrecht", "Leiden", "Haarlem", "Amersfoort", "Zwolle", "Breda"];
    private static readonly string[] Streets = ["Voorstraat", "Kerkstraat", "Dorpsstraat", "Molenweg", "Stationsplein"];

    internal List<Employee> Employees { get; } = [];

    /// <summary>Ids of all Employes employees, in employee-number order.</summary>
    public IReadOnlyList<Guid> EmployeeIds
    {
        get { lock (Sync) { return [.. Employees.Select(e => e.Id)]; } }
    }

    /// <summary>Ids of employees that have no employment at all (no <c>employment</c> key, empty <c>/employments</c>).</summary>
    public IReadOnlyList<Guid> EmployeeIdsWithoutEmployment
    {
        get { lock (Sync) { return [.. Employees.Where(e => e.Employments.Count == 0).Select(e => e.Id)]; } }
    }

    /// <summary>
    /// Gives an employee a new salary from <paramref name="effectiveFrom"/> (an increase or a decrease): the current
    /// salary period is closed the day before and a new one opened. Moves the employee's <c>dt_update</c>.
    /// </summary>
    public void ChangeEmployeeSalary(Guid employeeId, decimal newHourWage, DateOnly effectiveFrom)
    {
        lock (Sync)
        {
            var employee = FindEmployee(employeeId);
            var employment = employee.Employments.LastOrDefault()
                ?? throw new InvalidOperationException($"Employee {employeeId} has no employment.");
            var start = effectiveFrom.ToDateTime(TimeOnly.MinValue);
            if (employment.Salary.Count > 0)
            {
                employment.Salary[^1].EndDate = start.AddDays(-1);
            }

            var hours = employment.Hours.Count > 0 ? employment.Hours[^1].HoursPerWeek : 40m;
            employment.Salary.Add(NewSalary(NewGuid(_mutationRandom), start, newHourWage, hours));
            employee.DtUpdate = NextStampWithMicroseconds();
        }
    }

    /// <summary>Changes an employee's weekly hours from <paramref name="effectiveFrom"/> and moves <c>dt_update</c>.</summary>
    public void ChangeEmployeeHours(Guid employeeId, decimal hoursPerWeek, int daysPerWeek, DateOnly effectiveFrom)
    {
        lock (Sync)
        {
            var employee = FindEmployee(employeeId);
            var employment = employee.Employments.LastOrDefault()
                ?? throw new InvalidOperationException($"Employee {employeeId} has no employment.");
            var start = effectiveFrom.ToDateTime(TimeOnly.MinValue);
            if (employment.Hours.Count > 0)
            {
                employment.Hours[^1].EndDate = start.AddDays(-1);
            }

            employment.Hours.Add(new HoursPeriod
            {
                Id = NewGuid(_mutationRandom),
                StartDate = start,
                HoursPerWeek = hoursPerWeek,
                DaysPerWeek = daysPerWeek,
            });
            employee.DtUpdate = NextStampWithMicroseconds();
        }
    }

    /// <summary>Ends an employee's current employment and contract on <paramref name="endDate"/>; status becomes <c>out of service</c>.</summary>
    public void TerminateEmployee(Guid employeeId, DateOnly endDate)
    {
        lock (Sync)
        {
            var employee = FindEmployee(employeeId);
            var employment = employee.Employments.LastOrDefault()
                ?? throw new InvalidOperationException($"Employee {employeeId} has no employment.");
            var end = endDate.ToDateTime(TimeOnly.MinValue);
            employment.EndDate = end;
            if (employment.Contracts.Count > 0)
            {
                employment.Contracts[^1].EndDate = end;
            }

            employee.Status = "out of service";
            employee.DtUpdate = NextStampWithMicroseconds();
        }
    }

    internal Employee? TryFindEmployee(Guid id) => Employees.Find(e => e.Id == id);

    private Employee FindEmployee(Guid id) => TryFindEmployee(id) ?? throw new KeyNotFoundException($"Employee {id} not found.");

    private DateTime NextStampWithMicroseconds() => NextStamp().AddTicks(1234560);

    private static SalaryPeriod NewSalary(Guid id, DateTime start, decimal hourWage, decimal hoursPerWeek)
    {
        var month = Math.Round(hourWage * hoursPerWeek * 52m / 12m, 0);
        return new SalaryPeriod
        {
            Id = id,
            StartDate = start,
            HourWage = hourWage,
            MonthWage = month,
            YearlyWage = Math.Round(month * 12m * 1.08m, 2),
        };
    }

    private void GenerateEmployes(Random random)
    {
        var today = Reference.Date;
        for (var i = 0; i < _options.EmployeeCount; i++)
        {
            var first = Pick(random, FirstNames);
            var surname = Pick(random, Surnames);
            var employee = new Employee
            {
                Id = NewGuid(random),
                EmployeeNumber = 100 + i,
                EmployeeTypeId = random.Next(1, 5),
                FirstName = first,
                Surname = surname,
                SurnamePrefix = Pick(random, Prefixes),
                Initials = first[..1] + ".",
                Gender = random.Next(2) == 0 ? "female" : "male",
                DateOfBirth = today.AddYears(-random.Next(18, 64)).AddDays(-random.Next(365)),
                Zipcode = random.Next(1000, 9999).ToString(System.Globalization.CultureInfo.InvariantCulture) + (char)('A' + random.Next(26)) + (char)('A' + random.Next(26)),
                City = Pick(random, Cities),
                Street = Pick(random, Streets),
                HouseNumber = random.Next(1, 250).ToString(System.Globalization.CultureInfo.InvariantCulture),
                HouseNumberSuffix = random.Next(6) == 0 ? "A" : "",
                Iban = "NL00TEST" + random.NextInt64(1_000_000_000, 9_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture),
                Email = $"{first.ToLowerInvariant()}.{surname.ToLowerInvariant()}{i}@example.nl",
                PhoneNumber = "06" + random.Next(10_000_000, 99_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture),
                DtCreate = random.Next(3) == 0 ? DateTime.MinValue : today.AddDays(-random.Next(200, 2000)),
                DtUpdate = Reference.AddDays(-random.Next(1, 120)).AddTicks(random.NextInt64(TimeSpan.TicksPerDay) / 10 * 10),
            };

            var roll = random.Next(100);
            if (roll < 12)
            {
                employee.Status = "pending";
            }
            else
            {
                GenerateEmploymentHistory(random, employee, today, ended: roll < 27);
                employee.Status = roll < 27 ? "out of service" : "active";
            }

            Employees.Add(employee);
        }
    }

    private static void GenerateEmploymentHistory(Random random, Employee employee, DateTime today, bool ended)
    {
        var start = new DateTime(today.Year, today.Month, 1, 0, 0, 0, DateTimeKind.Unspecified).AddMonths(-random.Next(8, 72));
        var employments = random.Next(8) == 0 ? 2 : 1;
        var hourWage = Math.Round(13.5m + (decimal)random.NextDouble() * 14m, 2);
        decimal[] hourOptions = [16m, 24m, 28m, 32m, 36m, 38m, 40m];
        for (var e = 0; e < employments; e++)
        {
            var isLast = e == employments - 1;
            var employment = new Employment
            {
                Id = NewGuid(random),
                StartDate = start,
                TaxStartDate = start,
                IsReductionApplied = random.Next(4) != 0,
            };

            // Contracts: definite one-year contracts, renewed; after two renewals a permanent contract.
            var contractStart = start;
            var renewals = 0;
            DateTime? employmentEnd = null;
            while (true)
            {
                var permanent = renewals >= 2 || random.Next(6) == 0;
                var contractEnd = permanent ? (DateTime?)null : contractStart.AddYears(1).AddDays(-1);
                var finalContract = permanent || contractEnd >= today;
                if (!isLast && renewals >= 1 && contractEnd is not null)
                {
                    finalContract = true;
                }

                employment.Contracts.Add(new ContractPeriod
                {
                    Id = NewGuid(random),
                    StartDate = contractStart,
                    EndDate = contractEnd,
                    ContractDuration = permanent ? "permanent" : "definite",
                    IsSigned = random.Next(10) != 0,
                    SignDate = contractStart.AddDays(-random.Next(3, 20)),
                });
                if (finalContract || contractEnd is null)
                {
                    employmentEnd = contractEnd;
                    break;
                }

                contractStart = contractEnd.Value.AddDays(1);
                renewals++;
            }

            if (!isLast || ended)
            {
                // Ended employment: cut it at a past date.
                var last = employment.Contracts[^1];
                var maxEnd = today.AddDays(-random.Next(10, 90));
                var end = last.EndDate is { } le && le < maxEnd ? le : maxEnd;
                if (end <= last.StartDate)
                {
                    end = last.StartDate.AddMonths(3);
                }

                last.EndDate = end;
                employmentEnd = end;
            }

            employment.EndDate = employmentEnd;
            var periodEnd = employmentEnd ?? today;

            // Hours periods.
            var hours = hourOptions[random.Next(hourOptions.Length)];
            var cursor = start;
            while (true)
            {
                var next = cursor.AddMonths(random.Next(6, 20));
                var period = new HoursPeriod
                {
                    Id = NewGuid(random),
                    StartDate = cursor,
                    HoursPerWeek = hours,
                    DaysPerWeek = hours >= 36 ? 5 : (int)Math.Ceiling(hours / 8m),
                };
                employment.Hours.Add(period);
                if (next >= periodEnd)
                {
                    period.EndDate = employmentEnd;
                    break;
                }

                period.EndDate = next.AddDays(-1);
                hours = hourOptions[random.Next(hourOptions.Length)];
                cursor = next;
            }

            // Salary periods: yearly-ish raises, with the occasional decrease.
            cursor = start;
            while (true)
            {
                var next = cursor.AddMonths(random.Next(5, 13));
                var hoursAt = employment.Hours.Last(h => h.StartDate <= cursor).HoursPerWeek;
                var salary = NewSalary(NewGuid(random), cursor, hourWage, hoursAt);
                employment.Salary.Add(salary);
                if (next >= periodEnd)
                {
                    salary.EndDate = employmentEnd;
                    break;
                }

                salary.EndDate = next.AddDays(-1);
                var change = random.Next(10) == 0 ? -(0.02m + (decimal)random.NextDouble() * 0.06m) : 0.015m + (decimal)random.NextDouble() * 0.05m;
                hourWage = Math.Round(hourWage * (1 + change), 2);
                cursor = next;
            }

            employee.Employments.Add(employment);
            start = (employmentEnd ?? today).AddMonths(random.Next(2, 8));
            start = new DateTime(start.Year, start.Month, 1, 0, 0, 0, DateTimeKind.Unspecified);
            if (start >= today)
            {
                break;
            }
        }
    }
}
