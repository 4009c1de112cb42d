namespace Ingestion.Samples.VendorSimulator;

/// <summary>
/// The simulated records of all three vendors, generated deterministically from <see cref="SimulatorOptions.Seed"/>,
/// plus the mutation methods tests use so that a second sync sees exactly the changed records.
/// </summary>
public sealed class SimulatorData
{
    private static readonly string[] FirstNames =
    [
        "Sanne", "Daan", "Emma", "Lucas", "Julia", "Sem", "Tess", "Finn", "Mila", "Noah", "Anna", "Levi", "Sophie",
        "Bram", "Lotte", "Jesse", "Eva", "Thijs", "Fleur", "Ruben", "Ana", "Minh", "Priya", "Omar", "Chloe",
    ];

    private static readonly string[] Surnames =
    [
        "Jong", "Vries", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Vos", "Peters", "Hendriks", "Dekker",
        "Brouwer", "Dijk", "Berg", "Janssen", "Silva", "Nguyen", "Sharma", "Haddad", "Martin",
    ];

    private static readonly string[] Prefixes = ["", "", "", "de", "van", "van der", "van den", "ter"];
    private static readonly string[] Cities = ["Delft", "Utrecht", "Leiden", "Haarlem", "Amersfoort", "Zwolle", "Breda"];
    private static readonly string[] Streets = ["Voorstraat", "Kerkstraat", "Dorpsstraat", "Molenweg", "Stationsplein"];
    private static readonly string[] GroupNames =
    [
        "Kitchen", "Front Desk", "Warehouse", "Drivers", "Cleaning", "Support", "Sales", "Workshop", "Night Shift",
    ];

    private static readonly TimeSpan[] Offsets =
    [
        TimeSpan.FromHours(7), TimeSpan.FromHours(1), TimeSpan.FromHours(2), TimeSpan.FromHours(-5),
        new(5, 30, 0),
    ];

    private static readonly string[] Categories = ["Soil", "Seeds", "Tools", "Pots", "Fertiliser", "Irrigation"];
    private static readonly string[] Suppliers =
    [
        "Acme Soil Co", "Green Sack Ltd", "Root & Branch", "Peat Partners", "Hydro Supply", "Garden Wholesale",
        "Terra Trading", "Bloom Logistics",
    ];

    private readonly SimulatorOptions _options;
    private int _nightShifts;
    private readonly Random _mutationRandom;
    private DateTime _lastStamp;
    private Dictionary<string, string>? _slugs;

    internal SimulatorData(SimulatorOptions options)
    {
        _options = options;
        Reference = options.ReferenceTime.UtcDateTime;
        var random = new Random(options.Seed);
        GenerateEmployes(new Random(random.Next()));
        GenerateJibble(new Random(random.Next()));
        GenerateFinale(new Random(random.Next()));
        if (options.FinaleOrderUrlSlugs)
        {
            // Finale's URL slug is its own number, not the order id (PO-10041): every generated order gets one.
            for (var i = 0; i < Orders.Count; i++)
            {
                Orders[i].UrlSlug = (100000 + (i * 7) + 3).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        _lastStamp = Reference;
        _mutationRandom = new Random(random.Next());
    }

    internal Lock Sync { get; } = new();

    internal DateTime Reference { get; }

    internal List<Employee> Employees { get; } = [];

    internal List<JibbleGroup> Groups { get; } = [];

    internal List<JibblePerson> People { get; } = [];

    internal List<JibbleTimeEntry> TimeEntries { get; } = [];

    internal List<FinaleFacility> Facilities { get; } = [];

    internal List<FinaleProduct> Products { get; } = [];

    internal List<FinaleParty> Parties { get; } = [];

    internal List<FinaleOrder> Orders { get; } = [];

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

    /// <summary>Ids of all Jibble people.</summary>
    public IReadOnlyList<Guid> PersonIds
    {
        get { lock (Sync) { return [.. People.Select(p => p.Id)]; } }
    }

    /// <summary>Number of Jibble time entries (all statuses).</summary>
    public int TimeEntryCount
    {
        get { lock (Sync) { return TimeEntries.Count; } }
    }

    /// <summary>Number of Jibble time entries whose <c>belongsToDate</c> is in the closed range.</summary>
    public int CountTimeEntries(DateOnly from, DateOnly to)
    {
        lock (Sync)
        {
            return TimeEntries.Count(t => t.BelongsToDate >= from && t.BelongsToDate <= to);
        }
    }

    /// <summary>Finale order ids in collection order.</summary>
    public IReadOnlyList<string> OrderIds
    {
        get { lock (Sync) { return [.. Orders.Select(o => o.OrderId)]; } }
    }

    /// <summary>Finale purchase-order ids (orders of type <c>PURCHASE_ORDER</c>) in collection order.</summary>
    public IReadOnlyList<string> PurchaseOrderIds
    {
        get { lock (Sync) { return [.. Orders.Where(o => o.OrderTypeId == "PURCHASE_ORDER").Select(o => o.OrderId)]; } }
    }

    /// <summary>The number of lines of one Finale order.</summary>
    public int GetOrderLineCount(string orderId)
    {
        lock (Sync)
        {
            return FindOrder(orderId).Items.Count;
        }
    }

    /// <summary>Number of Finale orders whose <c>lastUpdatedDate</c> is in the closed range (UTC, no offset).</summary>
    public int CountOrdersUpdatedBetween(DateTime from, DateTime to)
    {
        lock (Sync)
        {
            return Orders.Count(o => o.LastUpdatedDate >= from && o.LastUpdatedDate <= to);
        }
    }

    /// <summary>Earliest and latest Finale order <c>lastUpdatedDate</c>.</summary>
    public (DateTime Min, DateTime Max) OrderLastUpdatedRange
    {
        get
        {
            lock (Sync)
            {
                return Orders.Count == 0
                    ? (Reference, Reference)
                    : (Orders.Min(o => o.LastUpdatedDate), Orders.Max(o => o.LastUpdatedDate));
            }
        }
    }

    /// <summary>The <c>lastUpdatedDate</c> of one order.</summary>
    public DateTime GetOrderLastUpdated(string orderId)
    {
        lock (Sync)
        {
            return FindOrder(orderId).LastUpdatedDate;
        }
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

    /// <summary>Renames a Jibble person and moves its <c>updatedAt</c>.</summary>
    public void RenamePerson(Guid personId, string firstName, string lastName)
    {
        lock (Sync)
        {
            var person = People.Find(p => p.Id == personId) ?? throw new KeyNotFoundException($"Person {personId} not found.");
            person.FirstName = firstName;
            person.LastName = lastName;
            person.UpdatedAt = new DateTimeOffset(NextStamp(), TimeSpan.Zero);
        }
    }

    /// <summary>
    /// Adds a Jibble time entry (<paramref name="type"/> <c>In</c> or <c>Out</c>) for a person at a UTC instant. Its
    /// <c>belongsToDate</c> is the person's local date of <paramref name="time"/> unless given. Returns the new id.
    /// </summary>
    public Guid AddTimeEntry(Guid personId, string type, DateTimeOffset time, string clientType = "Web", DateOnly? belongsToDate = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        lock (Sync)
        {
            var person = People.Find(p => p.Id == personId) ?? throw new KeyNotFoundException($"Person {personId} not found.");
            var local = time.ToOffset(person.UtcOffset);
            var previous = TimeEntries.Where(t => t.PersonId == personId && t.Time <= time).MaxBy(t => t.Time);
            var entry = new JibbleTimeEntry
            {
                Id = NewGuid(_mutationRandom),
                PersonId = personId,
                Type = type,
                ClientType = clientType,
                Time = TruncateFraction(time.ToUniversalTime(), 2),
                FractionDigits = 2,
                Offset = person.UtcOffset,
                BelongsToDate = belongsToDate ?? DateOnly.FromDateTime(local.DateTime),
                PreviousTimeEntryId = type == "Out" ? previous?.Id : null,
                IsManual = clientType == "Web",
                DeviceName = "Chrome",
                Os = "Windows",
            };
            if (type == "Out" && previous is not null && previous.Type == "In")
            {
                previous.NextTimeEntryId = entry.Id;
            }

            var index = TimeEntries.FindLastIndex(t => t.Time <= entry.Time) + 1;
            TimeEntries.Insert(index, entry);
            if (person.LatestTimeEntryTime is null || person.LatestTimeEntryTime < entry.Time)
            {
                person.LatestTimeEntryTime = entry.Time;
            }

            return entry.Id;
        }
    }

    /// <summary>Sets a time entry's status to <c>Archived</c>.</summary>
    public void ArchiveTimeEntry(Guid timeEntryId)
    {
        lock (Sync)
        {
            var entry = TimeEntries.Find(t => t.Id == timeEntryId) ?? throw new KeyNotFoundException($"Time entry {timeEntryId} not found.");
            entry.Status = "Archived";
        }
    }

    /// <summary>
    /// Moves the <c>lastUpdatedDate</c> of <paramref name="count"/> purchase orders (spread evenly over the collection)
    /// to a new stamp after every existing one, and returns their ids.
    /// </summary>
    public IReadOnlyList<string> TouchPurchaseOrders(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (Sync)
        {
            var purchaseOrders = Orders.Where(o => o.OrderTypeId == "PURCHASE_ORDER").ToList();
            count = Math.Min(count, purchaseOrders.Count);
            var touched = new List<string>(count);
            for (var i = 0; i < count; i++)
            {
                var order = purchaseOrders[(int)((long)i * purchaseOrders.Count / count)];
                order.LastUpdatedDate = NextStamp();
                order.PublicNotes = $"Updated {order.LastUpdatedDate:yyyy-MM-dd HH:mm:ss}";
                touched.Add(order.OrderId);
            }

            return touched;
        }
    }

    /// <summary>Changes an order's status (recording it in the status history) and moves its <c>lastUpdatedDate</c>.</summary>
    public void SetOrderStatus(string orderId, string statusId)
    {
        lock (Sync)
        {
            var order = FindOrder(orderId);
            order.StatusId = statusId;
            order.LastUpdatedDate = NextStamp();
            order.StatusHistory.Add(new FinaleStatusChange { StatusId = statusId, At = order.LastUpdatedDate });
        }
    }

    /// <summary>Adds a new purchase order with one line and returns its id.</summary>
    public string AddPurchaseOrder(string productId, decimal quantity, decimal unitPrice)
    {
        lock (Sync)
        {
            var stamp = NextStamp();
            var order = CreateOrder(NextOrderId(), "PURCHASE_ORDER", stamp, stamp, Facilities.First(f => f.ParentFacilityId is null).FacilityId, Parties[0].PartyId);
            order.Items.Add(new FinaleOrderItem { SeqId = 1, ProductId = productId, Quantity = quantity, UnitPrice = unitPrice });
            order.LastUpdatedDate = stamp;
            Orders.Add(order);
            return order.OrderId;
        }
    }

    internal Employee? TryFindEmployee(Guid id) => Employees.Find(e => e.Id == id);

    internal FinaleOrder? TryFindOrder(string id) => Orders.Find(o => string.Equals(o.OrderId, id, StringComparison.Ordinal));

    /// <summary>The order a URL's last segment names: its slug (the order id unless <see cref="SimulatorOptions.FinaleOrderUrlSlugs"/>).</summary>
    internal FinaleOrder? TryFindOrderBySlug(string slug) => Orders.Find(o => string.Equals(o.Slug, slug, StringComparison.Ordinal));

    internal string ProductSlug(string productId) =>
        (_slugs ??= Products.ToDictionary(p => p.ProductId, p => p.UrlSlug, StringComparer.Ordinal)).GetValueOrDefault(productId, productId);

    internal string NextOrderId() => "PO-" + (10000 + Orders.Count + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Next mutation stamp: the clock's now (whole seconds), but always after every earlier stamp.</summary>
    internal DateTime NextStamp()
    {
        var now = _options.TimeProvider.GetUtcNow().UtcDateTime;
        now = new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
        var latest = Orders.Count == 0 ? _lastStamp : Max(_lastStamp, Orders.Max(o => o.LastUpdatedDate));
        _lastStamp = now > latest ? now : latest.AddSeconds(1);
        return _lastStamp;
    }

    internal DateTime Now()
    {
        var now = _options.TimeProvider.GetUtcNow().UtcDateTime;
        return Max(now, _lastStamp);
    }

    private DateTime NextStampWithMicroseconds() => NextStamp().AddTicks(1234560);

    private static DateTime Max(DateTime a, DateTime b) => a > b ? a : b;

    private Employee FindEmployee(Guid id) => TryFindEmployee(id) ?? throw new KeyNotFoundException($"Employee {id} not found.");

    private FinaleOrder FindOrder(string id) => TryFindOrder(id) ?? throw new KeyNotFoundException($"Order {id} not found.");

    internal static Guid NewGuid(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }

    private static T Pick<T>(Random random, T[] items) => items[random.Next(items.Length)];

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

    // ---------------------------------------------------------------- Employes

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

    // ---------------------------------------------------------------- Jibble

    private void GenerateJibble(Random random)
    {
        var reference = new DateTimeOffset(Reference, TimeSpan.Zero);
        var groupCount = Math.Max(3, Math.Min(GroupNames.Length, _options.PeopleCount / 20));
        for (var g = 0; g < groupCount; g++)
        {
            var created = reference.AddDays(-random.Next(400, 900));
            Groups.Add(new JibbleGroup
            {
                Id = NewGuid(random),
                Name = GroupNames[g],
                Status = g == groupCount - 1 ? "Removed" : "Active",
                CreatedAt = created,
                UpdatedAt = created.AddDays(random.Next(1, 300)),
            });
        }

        for (var i = 0; i < _options.PeopleCount; i++)
        {
            var first = Pick(random, FirstNames);
            var last = Pick(random, Surnames);
            var invited = reference.AddDays(-random.Next(60, 800)).AddMinutes(random.Next(1440));
            var removed = i > 0 && random.Next(20) == 0;
            var person = new JibblePerson
            {
                Id = NewGuid(random),
                UserId = NewGuid(random),
                GroupId = random.Next(8) == 0 ? null : Groups[random.Next(Groups.Count - 1)].Id,
                FirstName = first,
                LastName = last,
                Email = $"{first.ToLowerInvariant()}.{last.ToLowerInvariant()}{i}@example.com",
                CountryCode = "NL",
                Role = i == 0 ? "Owner" : random.Next(10) switch { 0 => "Admin", 1 => "Manager", _ => "Member" },
                Code = "E-" + (i + 1).ToString("000", System.Globalization.CultureInfo.InvariantCulture),
                Status = removed ? "Removed" : "Joined",
                InvitedAt = invited,
                JoinDate = invited.AddHours(random.Next(1, 72)),
                CreatedAt = invited,
                WorkStartDate = DateOnly.FromDateTime(invited.AddDays(random.Next(1, 10)).Date),
                UtcOffset = Offsets[random.Next(Offsets.Length)],
                AutomaticOutAtTime = random.Next(3) == 0 ? new TimeOnly(23, 59) : new TimeOnly(18, 0),
            };
            person.UpdatedAt = invited.AddDays(random.Next(1, 50));
            if (removed)
            {
                person.RemovedAt = reference.AddDays(-random.Next(40, 200));
                person.UpdatedAt = person.RemovedAt.Value;
            }

            People.Add(person);
        }

        var firstDay = DateOnly.FromDateTime(Reference).AddDays(-_options.TimeEntryDays);
        var lastDay = DateOnly.FromDateTime(Reference).AddDays(-1);
        foreach (var person in People)
        {
            if (person.Status != "Joined")
            {
                continue;
            }

            for (var day = firstDay; day <= lastDay; day = day.AddDays(1))
            {
                var weekend = day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
                if (random.Next(100) >= (weekend ? 10 : 85))
                {
                    continue;
                }

                GenerateDay(random, person, day, isLastDay: day == lastDay);
            }
        }

        TimeEntries.Sort((a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : a.Id.CompareTo(b.Id));
        foreach (var person in People)
        {
            person.LatestTimeEntryTime = null;
        }

        var byId = People.ToDictionary(p => p.Id);
        foreach (var entry in TimeEntries)
        {
            byId[entry.PersonId].LatestTimeEntryTime = entry.Time;
        }
    }

    private void GenerateDay(Random random, JibblePerson person, DateOnly day, bool isLastDay)
    {
        var roll = random.Next(100);
        var nightShift = roll < 3;
        var localStart = nightShift
            ? day.ToDateTime(new TimeOnly(21, 30)).AddMinutes(random.Next(60))
            : day.ToDateTime(new TimeOnly(7, 0)).AddMinutes(random.Next(180));
        localStart = localStart.AddTicks(random.NextInt64(TimeSpan.TicksPerMinute));
        var start = new DateTimeOffset(localStart, person.UtcOffset);
        var archived = random.Next(100) < 2;

        var inEntry = NewEntry(random, person, "In", "Web", start, day);
        if (isLastDay && random.Next(4) == 0)
        {
            // Still working: an In without an Out.
            TimeEntries.Add(inEntry);
            return;
        }

        JibbleTimeEntry outEntry;
        if (!nightShift && roll < 8)
        {
            // Forgot to clock out: the system clocks the person out at the organization's automatic out time.
            var autoOut = new DateTimeOffset(day.ToDateTime(person.AutomaticOutAtTime), person.UtcOffset);
            outEntry = NewEntry(random, person, "Out", "AutoOut", autoOut, day, fractionDigits: 0);
        }
        else
        {
            // Night shifts end after midnight and belong to the day the shift started, or (with JibbleNightShiftsBothDatings,
            // every other one) the out is dated the day it happened.
            var worked = TimeSpan.FromMinutes(nightShift ? random.Next(420, 540) : random.Next(240, 600));
            var outDay = nightShift && _options.JibbleNightShiftsBothDatings && (_nightShifts++ % 2 == 1) ? day.AddDays(1) : day;
            outEntry = NewEntry(random, person, "Out", random.Next(5) == 0 ? "Mobile" : "Web", start + worked, outDay);
        }

        inEntry.NextTimeEntryId = outEntry.Id;
        outEntry.PreviousTimeEntryId = inEntry.Id;
        if (archived)
        {
            inEntry.Status = "Archived";
            outEntry.Status = "Archived";
        }

        TimeEntries.Add(inEntry);
        TimeEntries.Add(outEntry);
    }

    private static JibbleTimeEntry NewEntry(Random random, JibblePerson person, string type, string clientType, DateTimeOffset time, DateOnly belongsTo, int? fractionDigits = null) => new()
    {
        Id = NewGuid(random),
        PersonId = person.Id,
        Type = type,
        ClientType = clientType,
        Time = TruncateFraction(time.ToUniversalTime(), fractionDigits ??= random.Next(0, 8)),
        FractionDigits = fractionDigits.Value,
        Offset = person.UtcOffset,
        BelongsToDate = belongsTo,
        IsEndOfDay = clientType == "AutoOut",
        DeviceName = clientType == "Mobile" ? "iPhone" : clientType == "AutoOut" ? "System" : "Firefox",
        Os = clientType == "Mobile" ? "iOS" : "Linux",
    };

    private static DateTimeOffset TruncateFraction(DateTimeOffset value, int digits)
    {
        var unit = (long)Math.Pow(10, 7 - digits);
        return new DateTimeOffset(value.Ticks - (value.Ticks % unit), value.Offset);
    }

    // ---------------------------------------------------------------- Finale

    private void GenerateFinale(Random random)
    {
        var topLevel = Math.Max(1, (_options.FacilityCount + 2) / 3);
        for (var f = 0; f < _options.FacilityCount; f++)
        {
            var id = (10000 + f).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var isTop = f < topLevel;
            Facilities.Add(new FinaleFacility
            {
                FacilityId = id,
                Name = isTop ? (f == 0 ? "Main Warehouse" : $"Warehouse {f + 1}") : $"Aisle {(char)('A' + (f % 26))}-{f:00}",
                ParentFacilityId = isTop ? null : (10000 + (f % topLevel)).ToString(System.Globalization.CultureInfo.InvariantCulture),
                StatusId = f == _options.FacilityCount - 1 && f > 0 ? "FACILITY_INACTIVE" : "FACILITY_ACTIVE",
                FacilityTypeId = isTop ? null : "SUBLOCATION",
            });
        }

        for (var s = 0; s < Suppliers.Length; s++)
        {
            Parties.Add(new FinaleParty { PartyId = (100021 + (s * 4)).ToString(System.Globalization.CultureInfo.InvariantCulture), GroupName = Suppliers[s] });
        }

        for (var p = 0; p < _options.ProductCount; p++)
        {
            var productId = "BC" + (101 + p).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var created = Reference.AddDays(-random.Next(200, 1200)).AddSeconds(random.Next(86400));
            var cost = Math.Round(0.5m + (decimal)random.NextDouble() * 40m, 2);
            var category = Pick(random, Categories);
            Products.Add(new FinaleProduct
            {
                ProductId = productId,
                UrlSlug = p % 3 == 1 ? (100400 + p).ToString(System.Globalization.CultureInfo.InvariantCulture) : productId,
                InternalName = $"{category} item {p + 1}",
                StatusId = random.Next(12) == 0 ? "PRODUCT_INACTIVE" : "PRODUCT_ACTIVE",
                Category = category,
                Upc = random.NextInt64(100_000_000_000, 999_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture),
                Cost = cost,
                Price = Math.Round(cost * 1.6m, 2),
                SupplierPartyId = Parties[random.Next(Parties.Count)].PartyId,
                UnitsInStock = random.Next(0, 5000),
                CreatedDate = created,
                LastUpdatedDate = Min(created.AddDays(random.Next(0, 400)), Reference.AddSeconds(-1)),
            });
        }

        var topFacilities = Facilities.Where(f => f.ParentFacilityId is null).ToArray();
        for (var o = 0; o < _options.PurchaseOrderCount; o++)
        {
            var orderDate = Reference.Date.AddDays(-random.Next(1, 366)).AddHours(7);
            var created = orderDate.AddHours(2).AddSeconds(random.Next(7200));
            var type = random.Next(10) == 0 ? "SALES_ORDER" : "PURCHASE_ORDER";
            var order = CreateOrder(
                "PO-" + (10001 + o).ToString(System.Globalization.CultureInfo.InvariantCulture),
                type,
                orderDate,
                created,
                topFacilities[random.Next(topFacilities.Length)].FacilityId,
                Parties[random.Next(Parties.Count)].PartyId);
            var lines = random.Next(1, 7);
            for (var l = 0; l < lines; l++)
            {
                var product = Products[random.Next(Products.Count)];
                order.Items.Add(new FinaleOrderItem
                {
                    SeqId = l + 1,
                    ProductId = product.ProductId,
                    UnitPrice = product.Cost,
                    Quantity = random.Next(1, 50) * 5,
                });
            }

            var age = (Reference - orderDate).TotalDays;
            var statusRoll = random.Next(100);
            var lastUpdated = created.AddSeconds(random.Next(60, 86400 * Math.Max(1, Math.Min(60, (int)age))));
            lastUpdated = Min(lastUpdated, Reference.AddSeconds(-random.Next(1, 86400)));
            if (lastUpdated < created)
            {
                lastUpdated = created;
            }

            if (statusRoll < 5)
            {
                order.StatusId = "ORDER_CANCELLED";
            }
            else if (age < 14 && statusRoll < 40)
            {
                order.StatusId = "ORDER_CREATED";
            }
            else if (age < 45 || statusRoll < 15)
            {
                order.StatusId = "ORDER_LOCKED";
            }
            else
            {
                order.StatusId = "ORDER_COMPLETED";
                order.ReceiveDate = orderDate.Date.AddDays(random.Next(3, 30)).AddHours(16);
                order.ShipmentIds.Add((20000 + o).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            if (order.StatusId != "ORDER_CREATED")
            {
                order.StatusHistory.Add(new FinaleStatusChange { StatusId = "ORDER_LOCKED", At = created.AddMinutes(30) });
            }

            if (order.StatusId is "ORDER_COMPLETED" or "ORDER_CANCELLED")
            {
                order.StatusHistory.Add(new FinaleStatusChange { StatusId = order.StatusId, At = lastUpdated });
            }

            if (random.Next(3) == 0)
            {
                order.ReferenceNumber = "SUP-INV-" + random.Next(100, 9999).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            if (random.Next(5) == 0)
            {
                order.UserFields.Add(new("user_10000", "INV-" + random.Next(1000, 9999).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }

            if (random.Next(6) == 0)
            {
                order.PublicNotes = "Deliver to dock " + random.Next(1, 5).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            order.LastUpdatedDate = lastUpdated;
            Orders.Add(order);
        }
    }

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;

    private static FinaleOrder CreateOrder(string id, string type, DateTime orderDate, DateTime created, string facilityId, string partyId)
    {
        var order = new FinaleOrder
        {
            OrderId = id,
            OrderTypeId = type,
            OrderDate = orderDate,
            CreatedDate = created,
            DestinationFacilityId = facilityId,
            PartyId = partyId,
        };
        order.StatusHistory.Add(new FinaleStatusChange { StatusId = "ORDER_CREATED", At = created });
        return order;
    }
}
