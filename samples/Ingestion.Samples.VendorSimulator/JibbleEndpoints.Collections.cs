using System.Globalization;
using System.Text.Json;

namespace Ingestion.Samples.VendorSimulator;

// Jibble collections: the OData fields of people, groups and time entries, and the People, Groups, Organizations and TimeEntries endpoints.
internal static partial class JibbleEndpoints
{
    private static readonly Dictionary<string, ODataField<JibblePerson>> PersonFields = Index<JibblePerson>(
    [
        new("id", EdmType.Guid, p => p.Id),
        new("organizationId", EdmType.Guid, _ => null),
        new("groupId", EdmType.Guid, p => p.GroupId),
        new("positionId", EdmType.Guid, _ => null),
        new("employmentTypeId", EdmType.Guid, _ => null),
        new("userId", EdmType.Guid, p => p.UserId),
        new("scheduleId", EdmType.Guid, _ => null),
        new("calendarId", EdmType.Guid, _ => null),
        new("payPeriodDefinitionId", EdmType.Guid, _ => null),
        new("email", EdmType.String, p => p.Email),
        new("phoneNumber", EdmType.String, _ => null),
        new("countryCode", EdmType.String, p => p.CountryCode),
        new("firstName", EdmType.String, p => p.FirstName),
        new("lastName", EdmType.String, p => p.LastName),
        new("fullName", EdmType.String, p => p.FullName),
        new("preferredName", EdmType.String, _ => null),
        new("role", EdmType.String, p => p.Role),
        new("code", EdmType.String, p => p.Code),
        new("pinCode", EdmType.String, _ => null),
        new("status", EdmType.String, p => p.Status),
        new("hasEmbeddings", EdmType.Boolean, _ => false),
        new("nfcToken", EdmType.String, _ => null),
        new("workStartDate", EdmType.Date, p => p.WorkStartDate),
        new("joinDate", EdmType.DateTimeOffset, p => p.JoinDate),
        new("latestTimeEntryTime", EdmType.DateTimeOffset, p => p.LatestTimeEntryTime),
        new("invitedAt", EdmType.DateTimeOffset, p => p.InvitedAt),
        new("removedAt", EdmType.DateTimeOffset, p => p.RemovedAt),
        new("createdAt", EdmType.DateTimeOffset, p => p.CreatedAt),
        new("updatedAt", EdmType.DateTimeOffset, p => p.UpdatedAt),
        new("managers", EdmType.String, _ => null, (w, _) => EmptyArray(w)),
        new("projects", EdmType.String, _ => null, (w, _) => EmptyArray(w)),
        new("workTypes", EdmType.String, _ => null, (w, _) => EmptyArray(w)),
        new("kiosks", EdmType.String, _ => null, (w, _) => EmptyArray(w)),
        new("managedUnits", EdmType.String, _ => null, (w, _) => EmptyArray(w)),
        new("picture", EdmType.String, _ => null),
        new("ITimeTrackingSettings/AutomaticOutAtTime", EdmType.String, p => p.AutomaticOutAtTime.ToString("HH':'mm':'ss", CultureInfo.InvariantCulture)),
    ]);

    private static readonly Dictionary<string, ODataField<JibbleGroup>> GroupFields = Index<JibbleGroup>(
    [
        new("id", EdmType.Guid, g => g.Id),
        new("organizationId", EdmType.Guid, _ => null),
        new("name", EdmType.String, g => g.Name),
        new("status", EdmType.String, g => g.Status),
        new("createdAt", EdmType.DateTimeOffset, g => g.CreatedAt),
        new("updatedAt", EdmType.DateTimeOffset, g => g.UpdatedAt),
    ]);

    private static readonly Dictionary<string, ODataField<JibbleTimeEntry>> TimeEntryFields = Index<JibbleTimeEntry>(
    [
        new("id", EdmType.Guid, t => t.Id),
        new("personId", EdmType.Guid, t => t.PersonId),
        new("type", EdmType.String, t => t.Type),
        new("status", EdmType.String, t => t.Status),
        new("clientType", EdmType.String, t => t.ClientType),
        new("time", EdmType.DateTimeOffset, t => t.Time, (w, t) => w.WriteStringValue(FormatInstant(t.Time, t.FractionDigits))),
        new("localTime", EdmType.DateTimeOffset, t => t.Time, (w, t) => w.WriteStringValue(FormatInstant(t.Time.ToOffset(t.Offset), t.FractionDigits))),
        new("offset", EdmType.String, t => FormatDuration(t.Offset)),
        new("belongsToDate", EdmType.Date, t => t.BelongsToDate),
        new("activityId", EdmType.Guid, _ => null),
        new("projectId", EdmType.Guid, _ => null),
        new("locationId", EdmType.Guid, _ => null),
        new("kioskId", EdmType.Guid, _ => null),
        new("breakId", EdmType.Guid, _ => null),
        new("note", EdmType.String, t => t.Note),
        new("isOffline", EdmType.Boolean, _ => false),
        new("isFaceRecognized", EdmType.Boolean, _ => false),
        new("isAutomatic", EdmType.Boolean, t => t.IsAutomatic),
        new("isManual", EdmType.Boolean, t => t.IsManual),
        new("isOutsideGeofence", EdmType.Boolean, _ => false),
        new("isManualLocation", EdmType.Boolean, _ => false),
        new("isUnusual", EdmType.Boolean, _ => false),
        new("isEndOfDay", EdmType.Boolean, t => t.IsEndOfDay),
        new("isFromSpeedKiosk", EdmType.Boolean, _ => false),
        new("isLocked", EdmType.Boolean, _ => false),
        new("previousTimeEntryId", EdmType.Guid, t => t.PreviousTimeEntryId),
        new("nextTimeEntryId", EdmType.Guid, t => t.NextTimeEntryId),
        new("coordinates", EdmType.String, _ => null),
        new("picture", EdmType.String, _ => null),
        new("platform", EdmType.String, _ => null, (w, t) =>
        {
            w.WriteStartObject();
            w.WriteString("deviceName", t.DeviceName);
            w.WriteNull("deviceModel");
            w.WriteString("clientVersion", t.ClientType == "AutoOut" ? null : "147.0");
            w.WriteString("os", t.Os);
            w.WriteEndObject();
        }),
    ]);

    private static ValueTask<SimResponse> People(SimContext context)
    {
        if (!Authorized(context))
        {
            return ValueTask.FromResult(VendorErrors.Unauthorized(Vendor.Jibble));
        }

        lock (context.Data.Sync)
        {
            var organizationId = context.Options.JibbleOrganizationId;
            var fields = new Dictionary<string, ODataField<JibblePerson>>(PersonFields, StringComparer.OrdinalIgnoreCase)
            {
                ["organizationId"] = new("organizationId", EdmType.Guid, _ => organizationId),
            };
            Action<Utf8JsonWriter, JibblePerson>? etag = context.Options.JibbleEmitEtag
                ? (w, p) => w.WriteString("@odata.etag", $"W/\"{Convert.ToBase64String(BitConverter.GetBytes(p.UpdatedAt.UtcTicks))}\"")
                : null;
            return ValueTask.FromResult(Collection(context, WorkspacePrefix, "People", "Person", context.Data.People, fields, requireDateFilter: false, etag));
        }
    }

    private static ValueTask<SimResponse> Groups(SimContext context)
    {
        if (!Authorized(context))
        {
            return ValueTask.FromResult(VendorErrors.Unauthorized(Vendor.Jibble));
        }

        lock (context.Data.Sync)
        {
            var organizationId = context.Options.JibbleOrganizationId;
            var fields = new Dictionary<string, ODataField<JibbleGroup>>(GroupFields, StringComparer.OrdinalIgnoreCase)
            {
                ["organizationId"] = new("organizationId", EdmType.Guid, _ => organizationId),
            };
            return ValueTask.FromResult(Collection(context, WorkspacePrefix, "Groups", "Group", context.Data.Groups, fields, requireDateFilter: false, null));
        }
    }

    private static ValueTask<SimResponse> Organizations(SimContext context)
    {
        if (!Authorized(context))
        {
            return ValueTask.FromResult(VendorErrors.Unauthorized(Vendor.Jibble));
        }

        var fields = Index<Guid>(
        [
            new("id", EdmType.Guid, id => id),
            new("name", EdmType.String, _ => "Simulated Organization"),
        ]);
        return ValueTask.FromResult(Collection(context, WorkspacePrefix, "Organizations", "Organization", [context.Options.JibbleOrganizationId], fields, requireDateFilter: false, null));
    }

    private static ValueTask<SimResponse> TimeEntries(SimContext context)
    {
        if (!Authorized(context))
        {
            return ValueTask.FromResult(VendorErrors.Unauthorized(Vendor.Jibble));
        }

        lock (context.Data.Sync)
        {
            return ValueTask.FromResult(Collection(context, TimePrefix, "TimeEntries", "TimeEntry", context.Data.TimeEntries, TimeEntryFields, context.Options.JibbleRequireDateFilter, null));
        }
    }
}
