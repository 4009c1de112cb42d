using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Ingestion.Samples.VendorSimulator;

/// <summary>Jibble: identity (<c>/jibble-identity</c>), workspace (<c>/jibble-workspace/v1</c>) and time tracking (<c>/jibble-time/v1</c>).</summary>
internal static class JibbleEndpoints
{
    public const string IdentityPrefix = "/jibble-identity";
    public const string WorkspacePrefix = "/jibble-workspace";
    public const string TimePrefix = "/jibble-time";

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

    public static void Map(IEndpointRouteBuilder endpoints, SimulatorState state)
    {
        endpoints.MapPost(IdentityPrefix + "/connect/token", Pipeline.Wrap(state, Vendor.Jibble, IdentityPrefix, Token));
        endpoints.Map(IdentityPrefix + "/{**rest}", Pipeline.Wrap(state, Vendor.Jibble, IdentityPrefix, NotFound));

        endpoints.MapGet(WorkspacePrefix + "/v1/People", Pipeline.Wrap(state, Vendor.Jibble, WorkspacePrefix, People));
        endpoints.MapGet(WorkspacePrefix + "/v1/Groups", Pipeline.Wrap(state, Vendor.Jibble, WorkspacePrefix, Groups));
        endpoints.MapGet(WorkspacePrefix + "/v1/Organizations", Pipeline.Wrap(state, Vendor.Jibble, WorkspacePrefix, Organizations));
        endpoints.Map(WorkspacePrefix + "/{**rest}", Pipeline.Wrap(state, Vendor.Jibble, WorkspacePrefix, NotFound));

        endpoints.MapGet(TimePrefix + "/v1/TimeEntries", Pipeline.Wrap(state, Vendor.Jibble, TimePrefix, TimeEntries));
        endpoints.Map(TimePrefix + "/{**rest}", Pipeline.Wrap(state, Vendor.Jibble, TimePrefix, NotFound));
    }

    private static Dictionary<string, ODataField<T>> Index<T>(ODataField<T>[] fields) =>
        fields.ToDictionary(f => f.Name, StringComparer.OrdinalIgnoreCase);

    private static void EmptyArray(Utf8JsonWriter w)
    {
        w.WriteStartArray();
        w.WriteEndArray();
    }

    private static ValueTask<SimResponse> NotFound(SimContext context) => ValueTask.FromResult(SimResponse.Empty(404));

    internal static string FormatInstant(DateTimeOffset value, int fractionDigits)
    {
        var text = value.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        if (fractionDigits > 0)
        {
            var fraction = (value.Ticks % TimeSpan.TicksPerSecond).ToString("0000000", CultureInfo.InvariantCulture)[..fractionDigits].TrimEnd('0');
            if (fraction.Length > 0)
            {
                text += "." + fraction;
            }
        }

        return text + (value.Offset == TimeSpan.Zero ? "Z" : value.ToString("zzz", CultureInfo.InvariantCulture));
    }

    internal static string FormatDuration(TimeSpan offset)
    {
        var sign = offset < TimeSpan.Zero ? "-" : string.Empty;
        offset = offset.Duration();
        return offset.Minutes == 0
            ? $"{sign}PT{offset.Hours.ToString(CultureInfo.InvariantCulture)}H"
            : $"{sign}PT{offset.Hours.ToString(CultureInfo.InvariantCulture)}H{offset.Minutes.ToString(CultureInfo.InvariantCulture)}M";
    }

    // ------------------------------------------------------------------ identity

    private static async ValueTask<SimResponse> Token(SimContext context)
    {
        var request = context.Http.Request;
        if (!request.HasFormContentType)
        {
            return OAuthError("invalid_request");
        }

        var form = await request.ReadFormAsync(context.Http.RequestAborted).ConfigureAwait(false);
        string? clientId = form["client_id"];
        string? clientSecret = form["client_secret"];
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..].Trim()));
                var colon = decoded.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0)
                {
                    clientId = Uri.UnescapeDataString(decoded[..colon]);
                    clientSecret = Uri.UnescapeDataString(decoded[(colon + 1)..]);
                }
            }
            catch (FormatException)
            {
                return OAuthError("invalid_client");
            }
        }

        if (!string.Equals(form["grant_type"], "client_credentials", StringComparison.Ordinal))
        {
            return OAuthError(string.IsNullOrEmpty(form["grant_type"]) ? "invalid_request" : "unsupported_grant_type");
        }

        if (!string.Equals(clientId, context.Options.JibbleClientId, StringComparison.Ordinal)
            || !string.Equals(clientSecret, context.Options.JibbleClientSecret, StringComparison.Ordinal))
        {
            return OAuthError("invalid_client");
        }

        var now = context.Options.TimeProvider.GetUtcNow();
        var lifetime = context.Options.JibbleTokenLifetime;
        var expires = now + lifetime;
        var organizationId = context.Options.JibbleOrganizationId;
        Guid ownerId;
        lock (context.Data.Sync)
        {
            ownerId = context.Data.People.Count > 0 ? context.Data.People[0].Id : Guid.Empty;
        }

        var payload = JsonBody.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("iss", "https://identity.prod.jibble.io");
            w.WriteNumber("nbf", now.ToUnixTimeSeconds());
            w.WriteNumber("exp", expires.ToUnixTimeSeconds());
            w.WriteString("client_id", context.Options.JibbleClientId);
            w.WriteString("organizationId", organizationId);
            w.WriteString("jti", Convert.ToHexString(RandomNumberGenerator.GetBytes(16)));
            w.WriteStartArray("scope");
            w.WriteStringValue("api1");
            w.WriteEndArray();
            w.WriteEndObject();
        });
        var token = Base64Url("{\"alg\":\"RS256\",\"typ\":\"at+jwt\"}"u8.ToArray()) + "." + Base64Url(payload) + "." + Base64Url(RandomNumberGenerator.GetBytes(32));
        context.State.JibbleTokens[token] = expires;

        return SimResponse.Json(200, w =>
        {
            w.WriteStartObject();
            w.WriteString("access_token", token);
            w.WriteNumber("expires_in", (long)lifetime.TotalSeconds);
            w.WriteString("token_type", "Bearer");
            w.WriteString("scope", "api1");
            w.WriteString("organizationId", organizationId);
            w.WriteString("personId", ownerId);
            w.WriteEndObject();
        }).With("Cache-Control", "no-store, no-cache, max-age=0").With("Pragma", "no-cache");
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static SimResponse OAuthError(string error) => SimResponse.Json(400, w =>
    {
        w.WriteStartObject();
        w.WriteString("error", error);
        w.WriteEndObject();
    });

    private static bool Authorized(SimContext context)
    {
        var header = context.Http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return context.State.JibbleTokens.TryGetValue(header[7..].Trim(), out var expires)
            && expires > context.Options.TimeProvider.GetUtcNow();
    }

    // ------------------------------------------------------------------ collections

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

    private static SimResponse Collection<T>(
        SimContext context,
        string hostPrefix,
        string setName,
        string entityType,
        IReadOnlyList<T> items,
        IReadOnlyDictionary<string, ODataField<T>> fields,
        bool requireDateFilter,
        Action<Utf8JsonWriter, T>? annotations)
    {
        var target = (context.Http.Request.Path.Value ?? string.Empty) + (context.Http.Request.QueryString.Value ?? string.Empty);
        if (context.Options.JibbleMaxRequestTargetLength > 0 && target.Length > context.Options.JibbleMaxRequestTargetLength)
        {
            return SimResponse.Text(414, "URI Too Long");
        }

        IEnumerable<T> query = items;
        int top;
        int skip;
        bool count;
        ODataField<T>[] selected;
        try
        {
            top = ParseCount(context.Query("$top"), "$top") ?? context.Options.JibbleMaxPageSize;
            skip = ParseCount(context.Query("$skip"), "$skip") ?? 0;
            count = context.Query("$count") is { } c && (c.Equals("true", StringComparison.OrdinalIgnoreCase)
                ? true
                : c.Equals("false", StringComparison.OrdinalIgnoreCase) ? false : throw new ODataException($"'{c}' is not a valid count option."));

            var filter = context.Query("$filter");
            var dateFiltered = false;
            if (!string.IsNullOrWhiteSpace(filter))
            {
                if (context.Options.JibbleMaxFilterNodes > 0 && ODataFilter.NodeCount(filter) is var nodes && nodes > context.Options.JibbleMaxFilterNodes)
                {
                    throw new ODataException($"The node count limit of '{context.Options.JibbleMaxFilterNodes}' has been exceeded. To increase the limit, set the 'MaxNodeCount' property on EnableQueryAttribute or ODataValidationSettings. ({nodes} nodes)");
                }

                var predicate = ODataFilter.Parse(filter, fields, entityType, out var referenced);
                dateFiltered = referenced.Contains("belongsToDate");
                query = query.Where(predicate);
            }

            if (requireDateFilter && !dateFiltered)
            {
                query = [];
            }

            var orderBy = context.Query("$orderby");
            if (!string.IsNullOrWhiteSpace(orderBy))
            {
                var comparison = ODataFilter.ParseOrderBy(orderBy, fields, entityType);
                var list = query.ToList();
                var indexed = list.Select((item, index) => (item, index)).ToList();
                indexed.Sort((a, b) => comparison(a.item, b.item) is var r && r != 0 ? r : a.index.CompareTo(b.index));
                query = indexed.Select(x => x.item);
            }

            var select = context.Query("$select");
            if (string.IsNullOrWhiteSpace(select))
            {
                selected = [.. fields.Values.DistinctBy(f => f.Name)];
            }
            else
            {
                var names = select.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                selected = [.. names.Select(n => fields.TryGetValue(n, out var f) ? f : throw new ODataException($"Could not find a property named '{n}' on type '{entityType}'."))];
            }
        }
        catch (ODataException ex)
        {
            return VendorErrors.ODataError(400, string.Empty, "The query specified in the URI is not valid. " + ex.Message);
        }

        var all = query.ToList();
        var pageSize = Math.Min(top, context.Options.JibbleMaxPageSize);
        if (context.TakeFault(FaultKind.SilentTruncation) is { } truncation)
        {
            pageSize = Math.Min(pageSize, truncation.Cap);
        }

        var page = all.Skip(skip).Take(pageSize).ToList();
        var request = context.Http.Request;
        var origin = $"{request.Scheme}://{request.Host}{request.PathBase}";
        var contextName = string.IsNullOrWhiteSpace(context.Query("$select")) ? setName : $"{setName}({string.Join(',', selected.Select(f => f.Name))})";
        string? nextLink = null;
        if (context.Options.JibbleEmitNextLink && skip + page.Count < all.Count && page.Count > 0)
        {
            var parameters = request.Query
                .Where(kv => kv.Key != "$skip")
                .Select(kv => $"{Uri.EscapeDataString(kv.Key)}={Uri.EscapeDataString(kv.Value.ToString())}")
                .Append($"$skip={(skip + page.Count).ToString(CultureInfo.InvariantCulture)}");
            nextLink = $"{origin}{request.Path}?{string.Join('&', parameters)}";
        }

        return SimResponse.Json(200, w =>
        {
            w.WriteStartObject();
            w.WriteString("@odata.context", $"{origin}{hostPrefix}/v1/$metadata#{contextName}");
            if (count)
            {
                w.WriteNumber("@odata.count", all.Count);
            }

            w.WriteStartArray("value");
            foreach (var item in page)
            {
                w.WriteStartObject();
                annotations?.Invoke(w, item);
                foreach (var field in selected)
                {
                    w.WritePropertyName(field.Name);
                    if (field.Write is not null)
                    {
                        field.Write(w, item);
                    }
                    else
                    {
                        WriteValue(w, field.Get(item));
                    }
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            if (nextLink is not null)
            {
                w.WriteString("@odata.nextLink", nextLink);
            }

            w.WriteEndObject();
        });
    }

    private static int? ParseCount(string? value, string name)
    {
        if (value is null)
        {
            return null;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : throw new ODataException($"Invalid value '{value}' for {name} query option found. The {name} query option requires a non-negative integer value.");
    }

    private static void WriteValue(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null:
                w.WriteNullValue();
                break;
            case string s:
                w.WriteStringValue(s);
                break;
            case Guid g:
                w.WriteStringValue(g);
                break;
            case DateOnly d:
                w.WriteStringValue(d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                break;
            case DateTimeOffset t:
                w.WriteStringValue(FormatInstant(t.ToUniversalTime(), 7));
                break;
            case bool b:
                w.WriteBooleanValue(b);
                break;
            case int i:
                w.WriteNumberValue(i);
                break;
            default:
                w.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
