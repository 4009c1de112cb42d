namespace Ingestion.Samples.VendorSimulator;

// Finale products (collection and one product), facilities and party groups (suppliers).
internal static partial class FinaleEndpoints
{
    private static List<Column<FinaleProduct>> ProductColumns(string root) =>
    [
        new("productId", (w, p) => Str(w, p.ProductId), p => p.ProductId),
        new("productUrl", (w, p) => Str(w, $"{root}/api/product/{p.UrlSlug}"), p => $"{root}/api/product/{p.UrlSlug}"),
        new("internalName", (w, p) => Str(w, p.InternalName), p => p.InternalName),
        new("statusId", (w, p) => Str(w, p.StatusId), p => p.StatusId),
        new("productTypeId", (w, _) => Str(w, "FINISHED_GOOD"), _ => "FINISHED_GOOD"),
        new("universalProductCode", (w, p) => Str(w, p.Upc), p => p.Upc),
        new("cost", (w, p) => w.WriteNumberValue(p.Cost)),
        new("category", (w, p) => Str(w, p.Category), p => p.Category),
        new("containerId", (w, _) => w.WriteNullValue(), _ => null),
        new("createdDate", (w, p) => Date(w, p.CreatedDate), p => p.CreatedDate),
        new("lastUpdatedDate", (w, p) => Date(w, p.LastUpdatedDate), p => p.LastUpdatedDate),
        new("priceList", (w, p) =>
        {
            w.WriteStartArray();
            w.WriteStartObject();
            w.WriteString("productPriceTypeId", "LIST_PRICE");
            w.WriteNumber("price", p.Price);
            w.WriteEndObject();
            w.WriteEndArray();
        }),
        new("supplierList", (w, p) =>
        {
            w.WriteStartArray();
            w.WriteStartObject();
            w.WriteString("supplierPartyUrl", $"{root}/api/partygroup/{p.SupplierPartyId}");
            w.WriteNumber("price", p.Cost);
            w.WriteEndObject();
            w.WriteEndArray();
        }),
        new("userFieldDataList", (w, _) => { w.WriteStartArray(); w.WriteEndArray(); }),
    ];

    private static ValueTask<SimResponse> Products(SimContext context)
    {
        if (Authenticate(context) is { } denied)
        {
            return ValueTask.FromResult(denied);
        }

        lock (context.Data.Sync)
        {
            var columns = ProductColumns(Root(context));
            var (rows, error) = Select(context, context.Data.Products, columns);
            return ValueTask.FromResult(error ?? ColumnMajor(rows!, columns));
        }
    }

    private static ValueTask<SimResponse> OneProduct(SimContext context)
    {
        if (Authenticate(context) is { } denied)
        {
            return ValueTask.FromResult(denied);
        }

        lock (context.Data.Sync)
        {
            var slug = context.Route("slug");
            var product = context.Data.Products.Find(p => p.UrlSlug == slug);
            if (product is null)
            {
                return ValueTask.FromResult(SimResponse.Text(404, "Not Found"));
            }

            var columns = ProductColumns(Root(context));
            return ValueTask.FromResult(SimResponse.Json(200, w =>
            {
                w.WriteStartObject();
                WriteObject(w, product, columns);
                w.WriteEndObject();
            }));
        }
    }

    private static ValueTask<SimResponse> Facilities(SimContext context)
    {
        if (Authenticate(context) is { } denied)
        {
            return ValueTask.FromResult(denied);
        }

        var root = Root(context);
        List<Column<FinaleFacility>> columns =
        [
            new("facilityId", (w, f) => Str(w, f.FacilityId), f => f.FacilityId),
            new("facilityUrl", (w, f) => Str(w, $"{root}/api/facility/{f.FacilityId}"), f => $"{root}/api/facility/{f.FacilityId}"),
            new("facilityName", (w, f) => Str(w, f.Name), f => f.Name),
            new("facilityTypeId", (w, f) => Str(w, f.FacilityTypeId), f => f.FacilityTypeId),
            new("parentFacilityUrl", (w, f) => Str(w, f.ParentFacilityId is null ? null : $"{root}/api/facility/{f.ParentFacilityId}"), f => f.ParentFacilityId is null ? null : $"{root}/api/facility/{f.ParentFacilityId}"),
            new("statusId", (w, f) => Str(w, f.StatusId), f => f.StatusId),
        ];
        lock (context.Data.Sync)
        {
            var (rows, error) = Select(context, context.Data.Facilities, columns);
            return ValueTask.FromResult(error ?? ColumnMajor(rows!, columns));
        }
    }

    private static ValueTask<SimResponse> PartyGroups(SimContext context)
    {
        if (Authenticate(context) is { } denied)
        {
            return ValueTask.FromResult(denied);
        }

        var root = Root(context);
        List<Column<FinaleParty>> columns =
        [
            new("partyId", (w, p) => Str(w, p.PartyId), p => p.PartyId),
            new("partyUrl", (w, p) => Str(w, $"{root}/api/partygroup/{p.PartyId}"), p => $"{root}/api/partygroup/{p.PartyId}"),
            new("groupName", (w, p) => Str(w, p.GroupName), p => p.GroupName),
            new("roleTypeIdList", (w, p) =>
            {
                w.WriteStartArray();
                w.WriteStringValue(p.PartyId == "PRIMARY" ? "INTERNAL_ORGANIZATIO" : "SUPPLIER");
                w.WriteEndArray();
            }),
        ];
        lock (context.Data.Sync)
        {
            IReadOnlyList<FinaleParty> parties = [new FinaleParty { PartyId = "PRIMARY", GroupName = "Simulated Company" }, .. context.Data.Parties];
            var (rows, error) = Select(context, parties, columns);
            return ValueTask.FromResult(error ?? ColumnMajor(rows!, columns));
        }
    }
}
