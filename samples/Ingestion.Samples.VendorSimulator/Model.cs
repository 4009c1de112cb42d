namespace Ingestion.Samples.VendorSimulator;

internal sealed class Employee
{
    public required Guid Id { get; init; }
    public required int EmployeeNumber { get; init; }
    public required int EmployeeTypeId { get; init; }
    public required string FirstName { get; init; }
    public required string Surname { get; init; }
    public required string SurnamePrefix { get; init; }
    public required string Initials { get; init; }
    public required string Gender { get; init; }
    public required DateTime DateOfBirth { get; init; }
    public required string Zipcode { get; init; }
    public required string City { get; init; }
    public required string Street { get; init; }
    public required string HouseNumber { get; init; }
    public required string HouseNumberSuffix { get; init; }
    public required string Iban { get; init; }
    public required string Email { get; init; }
    public required string PhoneNumber { get; init; }
    public required DateTime DtCreate { get; init; }
    public DateTime DtUpdate { get; set; }
    public string Status { get; set; } = "active";
    public List<Employment> Employments { get; } = [];
}

internal sealed class Employment
{
    public required Guid Id { get; init; }
    public required DateTime StartDate { get; init; }
    public DateTime? EndDate { get; set; }
    public List<SalaryPeriod> Salary { get; } = [];
    public List<HoursPeriod> Hours { get; } = [];
    public List<ContractPeriod> Contracts { get; } = [];
    public required DateTime TaxStartDate { get; init; }
    public required bool IsReductionApplied { get; init; }
}

internal sealed class SalaryPeriod
{
    public required Guid Id { get; init; }
    public required DateTime StartDate { get; init; }
    public DateTime? EndDate { get; set; }
    public required decimal HourWage { get; init; }
    public decimal MonthWage { get; init; }
    public decimal YearlyWage { get; init; }
}

internal sealed class HoursPeriod
{
    public required Guid Id { get; init; }
    public required DateTime StartDate { get; init; }
    public DateTime? EndDate { get; set; }
    public required decimal HoursPerWeek { get; init; }
    public required int DaysPerWeek { get; init; }
    public string EmployeeType => HoursPerWeek >= 36 ? "fulltime" : "parttime";
}

internal sealed class ContractPeriod
{
    public required Guid Id { get; init; }
    public required DateTime StartDate { get; init; }
    public DateTime? EndDate { get; set; }
    public required string ContractDuration { get; init; }
    public required bool IsSigned { get; init; }
    public DateTime? SignDate { get; init; }
}

internal sealed class JibbleGroup
{
    public required Guid Id { get; init; }
    public required string Name { get; init; }
    public required string Status { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
}

internal sealed class JibblePerson
{
    public required Guid Id { get; init; }
    public required Guid UserId { get; init; }
    public required Guid? GroupId { get; init; }
    public required string FirstName { get; set; }
    public required string LastName { get; set; }
    public string FullName => FirstName + " " + LastName;
    public required string Email { get; init; }
    public required string CountryCode { get; init; }
    public required string Role { get; init; }
    public required string Code { get; init; }
    public required string Status { get; set; }
    public required DateOnly WorkStartDate { get; init; }
    public required DateTimeOffset JoinDate { get; init; }
    public required DateTimeOffset InvitedAt { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? RemovedAt { get; set; }
    public DateTimeOffset? LatestTimeEntryTime { get; set; }
    public required TimeSpan UtcOffset { get; init; }
    public required TimeOnly AutomaticOutAtTime { get; init; }
}

internal sealed class JibbleTimeEntry
{
    public required Guid Id { get; init; }
    public required Guid PersonId { get; init; }
    public required string Type { get; init; }
    public string Status { get; set; } = "Active";
    public required string ClientType { get; init; }
    public required DateTimeOffset Time { get; init; }
    public required int FractionDigits { get; init; }
    public required TimeSpan Offset { get; init; }
    public required DateOnly BelongsToDate { get; init; }
    public Guid? PreviousTimeEntryId { get; set; }
    public Guid? NextTimeEntryId { get; set; }
    public string? Note { get; set; }
    public bool IsAutomatic => ClientType == "AutoOut";
    public bool IsManual { get; init; }
    public bool IsEndOfDay { get; init; }
    public required string DeviceName { get; init; }
    public required string Os { get; init; }
}

internal sealed class FinaleFacility
{
    public required string FacilityId { get; init; }
    public required string Name { get; init; }
    public string? ParentFacilityId { get; init; }
    public required string StatusId { get; init; }
    public string? FacilityTypeId { get; init; }
}

internal sealed class FinaleProduct
{
    public required string ProductId { get; init; }
    public required string UrlSlug { get; init; }
    public required string InternalName { get; init; }
    public required string StatusId { get; init; }
    public required string Category { get; init; }
    public required string Upc { get; init; }
    public required decimal Cost { get; init; }
    public required decimal Price { get; init; }
    public required string SupplierPartyId { get; init; }
    public required int UnitsInStock { get; init; }
    public required DateTime CreatedDate { get; init; }
    public DateTime LastUpdatedDate { get; set; }
}

internal sealed class FinaleParty
{
    public required string PartyId { get; init; }
    public required string GroupName { get; init; }
}

internal sealed class FinaleOrderItem
{
    public required int SeqId { get; init; }
    public required string ProductId { get; init; }
    public required decimal UnitPrice { get; init; }
    public required decimal Quantity { get; init; }
}

internal sealed class FinaleStatusChange
{
    public required string StatusId { get; init; }
    public required DateTime At { get; init; }
}

internal sealed class FinaleOrder
{
    public required string OrderId { get; init; }

    /// <summary>The last segment of the order's URL, when it differs from the order id.</summary>
    public string? UrlSlug { get; set; }

    public string Slug => UrlSlug ?? OrderId;
    public required string OrderTypeId { get; init; }
    public string StatusId { get; set; } = "ORDER_CREATED";
    public required DateTime OrderDate { get; init; }
    public DateTime? ReceiveDate { get; set; }
    public required DateTime CreatedDate { get; init; }
    public DateTime LastUpdatedDate { get; set; }
    public required string DestinationFacilityId { get; init; }
    public string? ReferenceNumber { get; set; }
    public string? PublicNotes { get; set; }
    public string? PrivateNotes { get; set; }
    public required string PartyId { get; init; }
    public List<FinaleOrderItem> Items { get; } = [];
    public List<string> ShipmentIds { get; } = [];
    public List<KeyValuePair<string, string>> UserFields { get; } = [];
    public List<FinaleStatusChange> StatusHistory { get; } = [];
    public string? SettlementTermId { get; init; }
    public decimal ItemTotal => Items.Sum(i => i.UnitPrice * i.Quantity);
}
