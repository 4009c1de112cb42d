using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Ingestion.Samples.VendorSimulator;

/// <summary>
/// Finale Inventory: <c>/finale/{account}/api/...</c> and <c>/finale/{account}/doc/report/...</c>. This file maps the
/// routes; each endpoint family lives in its own partial file (Auth, Collections, Orders, OrderWrites,
/// ProductsFacilitiesParties, Reports).
/// </summary>
internal static partial class FinaleEndpoints
{
    public const string Prefix = "/finale";

    private sealed record Column<T>(string Name, Action<Utf8JsonWriter, T> Write, Func<T, object?>? Filter = null);

    public static void Map(IEndpointRouteBuilder endpoints, SimulatorState state)
    {
        var api = Prefix + "/{account}/api";
        endpoints.MapPost(api + "/auth", Pipeline.Wrap(state, Vendor.Finale, Prefix, Login));
        endpoints.MapGet(api + "/order", Pipeline.Wrap(state, Vendor.Finale, Prefix, Orders));
        endpoints.MapGet(api + "/order/{orderId}", Pipeline.Wrap(state, Vendor.Finale, Prefix, OneOrder));
        endpoints.MapPost(api + "/order", Pipeline.Wrap(state, Vendor.Finale, Prefix, CreateOrder));
        endpoints.MapPost(api + "/order/{orderId}", Pipeline.Wrap(state, Vendor.Finale, Prefix, UpdateOrder));
        endpoints.MapPost(api + "/order/{orderId}/{action}", Pipeline.Wrap(state, Vendor.Finale, Prefix, OrderAction));
        endpoints.MapGet(api + "/product", Pipeline.Wrap(state, Vendor.Finale, Prefix, Products));
        endpoints.MapGet(api + "/product/{slug}", Pipeline.Wrap(state, Vendor.Finale, Prefix, OneProduct));
        endpoints.MapGet(api + "/facility", Pipeline.Wrap(state, Vendor.Finale, Prefix, Facilities));
        endpoints.MapGet(api + "/partygroup", Pipeline.Wrap(state, Vendor.Finale, Prefix, PartyGroups));
        endpoints.MapGet(Prefix + "/{account}/doc/report/pivotTable/{reportId}/{fileName}", Pipeline.Wrap(state, Vendor.Finale, Prefix, Report));
        endpoints.MapGet(Prefix + "/{account}/doc/report/pivotTableStream/{reportId}/{fileName}", Pipeline.Wrap(state, Vendor.Finale, Prefix, ReportStream));
        endpoints.Map(Prefix + "/{**rest}", Pipeline.Wrap(state, Vendor.Finale, Prefix, NotFound));
    }

    private static ValueTask<SimResponse> NotFound(SimContext context) => ValueTask.FromResult(SimResponse.Text(404, "Not Found"));

    private static string Root(SimContext context) => $"{context.Http.Request.PathBase}{Prefix}/{context.Options.FinaleAccountPath}";

    private static string OrderUrl(string root, FinaleOrder order) => $"{root}/api/order/{Uri.EscapeDataString(order.Slug)}";
}
