using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Ingestion.Samples.VendorSimulator;

/// <summary>
/// Jibble: identity (<c>/jibble-identity</c>), workspace (<c>/jibble-workspace/v1</c>) and time tracking (<c>/jibble-time/v1</c>).
/// This file maps the routes and holds the shared formatting; the token endpoint lives in JibbleEndpoints.Identity.cs,
/// the collections with their OData fields in JibbleEndpoints.Collections.cs and the OData query handling they share
/// in JibbleEndpoints.ODataQueryHandling.cs.
/// </summary>
internal static partial class JibbleEndpoints
{
    public const string IdentityPrefix = "/jibble-identity";
    public const string WorkspacePrefix = "/jibble-workspace";
    public const string TimePrefix = "/jibble-time";

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
}
