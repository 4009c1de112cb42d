using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Ingestion.Samples.VendorSimulator;

/// <summary>Employes v4 behind an API-Gateway-like front: <c>/employes/v4/...</c>.</summary>
internal static class EmployesEndpoints
{
    public const string Prefix = "/employes";

    public static void Map(IEndpointRouteBuilder endpoints, SimulatorState state)
    {
        endpoints.MapGet(Prefix + "/v4/companies", Pipeline.Wrap(state, Vendor.Employes, Prefix, Companies));
        endpoints.MapGet(Prefix + "/v4/{companyId}/employees", Pipeline.Wrap(state, Vendor.Employes, Prefix, Employees));
        endpoints.MapGet(Prefix + "/v4/{companyId}/employees/{employeeId}", Pipeline.Wrap(state, Vendor.Employes, Prefix, OneEmployee));
        endpoints.MapGet(Prefix + "/v4/{companyId}/employees/{employeeId}/employments", Pipeline.Wrap(state, Vendor.Employes, Prefix, Employments));
        endpoints.MapGet(Prefix + "/v4/{companyId}/payruns", Pipeline.Wrap(state, Vendor.Employes, Prefix, Payruns));
        endpoints.Map(Prefix + "/{**rest}", Pipeline.Wrap(state, Vendor.Employes, Prefix, UnknownRoute));
    }

    private static ValueTask<SimResponse> UnknownRoute(SimContext context) =>
        ValueTask.FromResult(VendorErrors.GatewayUnknownRoute(context.Http.Request.Headers.Authorization.ToString()));

    private static SimResponse? Authenticate(SimContext context, bool checkCompany = true)
    {
        var header = context.Http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            || !string.Equals(header["Bearer ".Length..].Trim(), context.Options.EmployesToken, StringComparison.Ordinal))
        {
            return VendorErrors.Unauthorized(Vendor.Employes);
        }

        if (checkCompany
            && (!Guid.TryParse(context.Route("companyId"), out var company) || company != context.Options.EmployesCompanyId))
        {
            return VendorErrors.Message(403, "User is not authorized to access this resource with an explicit deny");
        }

        return null;
    }

    private static ValueTask<SimResponse> Companies(SimContext context)
    {
        if (Authenticate(context, checkCompany: false) is { } denied)
        {
            return ValueTask.FromResult(denied);
        }

        return ValueTask.FromResult(SimResponse.Json(200, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("data");
            w.WriteStartObject();
            w.WriteString("id", context.Options.EmployesCompanyId);
            w.WriteString("name", context.Options.EmployesCompanyName);
            w.WriteString("country_code", "NL");
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteNumber("total", 1);
            w.WriteNumber("pages", 1);
            w.WriteNumber("page", 1);
            w.WriteNumber("per_page", context.Options.EmployesDefaultPageSize);
            w.WriteEndObject();
        }));
    }

    private static ValueTask<SimResponse> Payruns(SimContext context)
    {
        if (Authenticate(context) is { } denied)
        {
            return ValueTask.FromResult(denied);
        }

        return ValueTask.FromResult(SimResponse.Json(200, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("data");
            w.WriteEndArray();
            w.WriteNumber("total", 0);
            w.WriteNumber("pages", 0);
            w.WriteNumber("page", 1);
            w.WriteNumber("per_page", context.Options.EmployesDefaultPageSize);
            w.WriteEndObject();
        }));
    }

    private static ValueTask<SimResponse> Employees(SimContext context)
    {
        if (Authenticate(context) is { } denied)
        {
            return ValueTask.FromResult(denied);
        }

        var page = ParsePositive(context.Query("page"), 1);
        var perPage = Math.Min(ParsePositive(context.Query("per_page"), context.Options.EmployesDefaultPageSize), context.Options.EmployesMaxPageSize);
        var data = context.Data;
        lock (data.Sync)
        {
            var total = data.Employees.Count;
            var pages = (total + perPage - 1) / perPage;
            var reference = data.Reference.Date;
            return ValueTask.FromResult(SimResponse.Json(200, w =>
            {
                w.WriteStartObject();
                w.WriteStartArray("data");
                foreach (var employee in data.Employees.Skip((page - 1) * perPage).Take(perPage))
                {
                    WriteEmployee(w, employee, context.Options.EmployesCompanyId, reference);
                }

                w.WriteEndArray();
                w.WriteNumber("total", total);
                w.WriteNumber("pages", pages);
                w.WriteNumber("page", page);
                w.WriteNumber("per_page", perPage);
                w.WriteEndObject();
            }));
        }
    }

    private static ValueTask<SimResponse> OneEmployee(SimContext context)
    {
        if (Authenticate(context) is { } denied)
        {
            return ValueTask.FromResult(denied);
        }

        var data = context.Data;
        lock (data.Sync)
        {
            var employee = Guid.TryParse(context.Route("employeeId"), out var id) ? data.TryFindEmployee(id) : null;
            if (employee is null)
            {
                return ValueTask.FromResult(VendorErrors.Message(404, "Not Found"));
            }

            return ValueTask.FromResult(SimResponse.Json(200, w => WriteEmployee(w, employee, context.Options.EmployesCompanyId, data.Reference.Date)));
        }
    }

    private static ValueTask<SimResponse> Employments(SimContext context)
    {
        if (Authenticate(context) is { } denied)
        {
            return ValueTask.FromResult(denied);
        }

        var data = context.Data;
        lock (data.Sync)
        {
            var employee = Guid.TryParse(context.Route("employeeId"), out var id) ? data.TryFindEmployee(id) : null;
            if (employee is null || context.Options.EmployesEmploymentsNotFoundFor.Contains(employee.Id))
            {
                return ValueTask.FromResult(VendorErrors.Message(404, "Not Found"));
            }

            if (context.Options.EmployesEmploymentsEmptyBodyFor.Contains(employee.Id))
            {
                return ValueTask.FromResult(new SimResponse(200, "application/json; charset=utf-8", []));
            }

            var bare = context.Options.EmploymentsEnvelope == EmploymentsEnvelope.BareArray;
            var reference = data.Reference.Date;
            return ValueTask.FromResult(SimResponse.Json(200, w =>
            {
                if (!bare)
                {
                    w.WriteStartObject();
                    w.WritePropertyName("data");
                }

                w.WriteStartArray();
                for (var i = 0; i < employee.Employments.Count; i++)
                {
                    WriteEmployment(w, employee.Employments[i], isLatest: i == employee.Employments.Count - 1, reference);
                }

                w.WriteEndArray();
                if (!bare)
                {
                    w.WriteEndObject();
                }
            }));
        }
    }

    private static int ParsePositive(string? value, int fallback) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) && parsed > 0 ? parsed : fallback;

    private static string Date(DateTime value) => JsonBody.Plain(value);

    private static void WriteOptionalEnd(Utf8JsonWriter w, DateTime? end)
    {
        // Open-ended periods have no end_date key at all.
        if (end is { } value)
        {
            w.WriteString("end_date", Date(value));
        }
    }

    private static bool IsCurrent(DateTime start, DateTime? end, DateTime reference) => start <= reference && (end is null || end >= reference);

    internal static void WriteEmployee(Utf8JsonWriter w, Employee e, Guid companyId, DateTime reference)
    {
        w.WriteStartObject();
        w.WriteString("id", e.Id);
        w.WriteString("administration_id", companyId);
        w.WriteNumber("employee_type_id", e.EmployeeTypeId);
        w.WriteString("first_name", e.FirstName);
        w.WriteString("surname", e.Surname);
        w.WriteString("initials", e.Initials);
        w.WriteString("surname_prefix", e.SurnamePrefix);
        w.WriteString("gender", e.Gender);
        w.WriteString("date_of_birth", Date(e.DateOfBirth));
        w.WriteString("zipcode", e.Zipcode);
        w.WriteString("city", e.City);
        w.WriteString("street", e.Street);
        w.WriteString("housenumber", e.HouseNumber);
        w.WriteString("housenumber_suffix", e.HouseNumberSuffix);
        w.WriteString("country_code", "NL");
        w.WriteString("iban", e.Iban);
        w.WriteString("status", e.Status);
        w.WriteString("dt_create", Date(e.DtCreate));
        w.WriteString("dt_update", e.DtUpdate.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture));
        w.WriteString("email", e.Email);
        w.WriteString("phone_number", e.PhoneNumber);
        w.WriteNumber("employee_number", e.EmployeeNumber);

        // The snapshot covers the current employment only; employees without one have no "employment" key.
        var employment = e.Status == "out of service" ? null : e.Employments.LastOrDefault();
        if (employment is not null)
        {
            var salary = employment.Salary.LastOrDefault();
            var hours = employment.Hours.LastOrDefault();
            var contract = employment.Contracts.LastOrDefault();
            if (salary is not null)
            {
                w.WriteNumber("yearly_wage", salary.YearlyWage);
            }

            w.WriteStartObject("employment");
            w.WriteString("start_date", Date(employment.StartDate));
            WriteOptionalEnd(w, employment.EndDate);
            if (contract is not null)
            {
                w.WriteStartObject("contract");
                w.WriteString("start_date", Date(contract.StartDate));
                WriteOptionalEnd(w, contract.EndDate);
                w.WriteNumber("hours_per_week", hours?.HoursPerWeek ?? 0);
                w.WriteNumber("max_hours", 0);
                w.WriteNumber("min_hours", 0);
                w.WriteNumber("days_per_week", hours?.DaysPerWeek ?? 0);
                w.WriteString("employee_type", hours?.EmployeeType ?? "parttime");
                w.WriteEndObject();
            }

            w.WriteStartObject("tax_details");
            w.WriteString("start_date", Date(employment.TaxStartDate));
            w.WriteBoolean("is_reduction_applied", employment.IsReductionApplied);
            w.WriteEndObject();
            if (salary is not null)
            {
                w.WriteStartObject("salary");
                w.WriteString("start_date", Date(salary.StartDate));
                w.WriteNumber("hour_wage", salary.HourWage);
                w.WriteNumber("month_wage", salary.MonthWage);
                w.WriteNumber("yearly_wage", salary.YearlyWage);
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static void WriteEmployment(Utf8JsonWriter w, Employment employment, bool isLatest, DateTime reference)
    {
        w.WriteStartObject();
        w.WriteString("id", employment.Id);
        w.WriteString("start_date", Date(employment.StartDate));
        WriteOptionalEnd(w, employment.EndDate);

        w.WriteStartArray("salary");
        for (var i = 0; i < employment.Salary.Count; i++)
        {
            var s = employment.Salary[i];
            w.WriteStartObject();
            w.WriteString("id", s.Id);
            w.WriteString("start_date", Date(s.StartDate));
            WriteOptionalEnd(w, s.EndDate);
            w.WriteNumber("hour_wage", s.HourWage);
            w.WriteNumber("month_wage", s.MonthWage);
            w.WriteNumber("yearly_wage", s.YearlyWage);
            w.WriteBoolean("is_active", isLatest && i == employment.Salary.Count - 1 && (s.EndDate is null || s.EndDate >= reference));
            w.WriteEndObject();
        }

        w.WriteEndArray();

        w.WriteStartArray("hours");
        for (var i = 0; i < employment.Hours.Count; i++)
        {
            var h = employment.Hours[i];
            w.WriteStartObject();
            w.WriteString("id", h.Id);
            w.WriteString("start_date", Date(h.StartDate));
            WriteOptionalEnd(w, h.EndDate);
            w.WriteNumber("hours_per_week", h.HoursPerWeek);
            w.WriteNumber("days_per_week", h.DaysPerWeek);
            w.WriteString("employee_type", h.EmployeeType);
            w.WriteBoolean("is_active", isLatest && i == employment.Hours.Count - 1 && (h.EndDate is null || h.EndDate >= reference));
            w.WriteEndObject();
        }

        w.WriteEndArray();

        w.WriteStartArray("contracts");
        foreach (var c in employment.Contracts)
        {
            w.WriteStartObject();
            w.WriteString("id", c.Id);
            w.WriteString("start_date", Date(c.StartDate));
            WriteOptionalEnd(w, c.EndDate);
            w.WriteString("contract_duration", c.ContractDuration);
            w.WriteBoolean("is_signed", c.IsSigned);
            if (c.SignDate is { } signed)
            {
                w.WriteString("sign_date", Date(signed));
            }
            else
            {
                w.WriteNull("sign_date");
            }

            w.WriteBoolean("is_active", isLatest && IsCurrent(c.StartDate, c.EndDate, reference));
            w.WriteEndObject();
        }

        w.WriteEndArray();

        w.WriteStartObject("tax_details");
        w.WriteString("start_date", Date(employment.TaxStartDate));
        w.WriteBoolean("is_reduction_applied", employment.IsReductionApplied);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
