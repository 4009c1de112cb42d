using System.Text.Json;
using Ingestion.Connectors.Finale.Deriving.Internal;

namespace Ingestion.Connectors.Finale;

/// <summary>Supplier resolution, and which orders a changed record reaches.</summary>
public sealed partial class PurchaseOrderSummaryDeriver
{
    /// <inheritdoc />
    /// <remarks>
    /// An order, order detail or report row reaches its order (every version counts, so a row that moved to another order
    /// derives the order it left). A supplier reaches every order that names it: by party id in an order's <c>SUPPLIER</c>
    /// role, and by any of its names, old or new, in a report's supplier column. Finding those reads the order streams whole,
    /// which happens only when a supplier changes.
    /// </remarks>
    public async ValueTask<IReadOnlyList<string>> GetInputKeysAsync(StreamId stream, string recordKey, IReadOnlyList<RawRecord> versions, DerivationContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(versions);
        ArgumentNullException.ThrowIfNull(context);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        if (stream != _suppliers)
        {
            foreach (var version in versions)
            {
                if (!version.IsPartial && version.IsJson && GetInputKey(stream, recordKey, version.Payload) is { } key)
                {
                    keys.Add(key);
                }
            }

            return [.. keys];
        }

        var partyIds = new HashSet<string>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var version in versions)
        {
            if (!version.IsPartial && version.IsJson && Party.TryRead(version.Payload.Span) is { } party)
            {
                partyIds.Add(party.Id);
                if (party.Name is { } name)
                {
                    names.Add(name);
                }
            }
        }

        foreach (var orders in (StreamId[])[_orders, _details])
        {
            await foreach (var record in context.RawStore.QueryLatestAsync(orders, new RawRecordQuery { IncludeDeleted = true }, cancellationToken).ConfigureAwait(false))
            {
                if (!record.IsPartial && record.IsJson && OrderSummaries.PurchaseOrderId(record.Payload.Span) is { } orderId
                    && OrderSummaries.FromOrder(record.Payload.Span, OrderSummaries.BasisCollection)?.SupplierId is { } supplier
                    && partyIds.Contains(supplier))
                {
                    keys.Add(orderId);
                }
            }
        }

        foreach (var report in _reports)
        {
            foreach (var name in names)
            {
                var query = new RawRecordQuery { FieldName = report.Columns.Supplier, FieldValue = name, IncludeDeleted = true };
                await foreach (var row in context.RawStore.QueryLatestAsync(new StreamId(SourceName, report.Stream), query, cancellationToken).ConfigureAwait(false))
                {
                    if (!row.IsPartial && row.IsJson && OrderSummaries.ReportOrderId(row.Payload.Span, report.Columns) is { } orderId)
                    {
                        keys.Add(orderId);
                    }
                }
            }
        }

        return [.. keys];
    }

    // An order's supplier party id is named from the synced suppliers; a report's supplier name gets the party id of the one
    // supplier of that name (none when no supplier or several have it), so both bases carry the same two fields.
    private async ValueTask<OrderSummary> ResolveSupplierAsync(OrderSummary summary, IRawStore store, CancellationToken cancellationToken)
    {
        if (summary.SupplierId is { } id)
        {
            var parties = await PartiesAsync(store, "partyId", id, cancellationToken).ConfigureAwait(false);
            return summary with { SupplierName = parties.Count == 1 ? parties[0].Name : null };
        }

        if (summary.SupplierName?.Trim() is { Length: > 0 } name)
        {
            var parties = await PartiesAsync(store, "groupName", name, cancellationToken).ConfigureAwait(false);
            return summary with { SupplierName = name, SupplierId = parties.Count == 1 ? parties[0].Id : null };
        }

        return summary;
    }

    private async ValueTask<List<Party>> PartiesAsync(IRawStore store, string field, string value, CancellationToken cancellationToken)
    {
        var parties = new List<Party>();
        await foreach (var record in store.QueryLatestAsync(_suppliers, new RawRecordQuery { FieldName = field, FieldValue = value }, cancellationToken).ConfigureAwait(false))
        {
            if (!record.IsPartial && record.IsJson && Party.TryRead(record.Payload.Span) is { } party)
            {
                parties.Add(party);
            }
        }

        return parties;
    }

    /// <summary>A party group's id and name.</summary>
    private sealed record Party(string Id, string? Name)
    {
        public static Party? TryRead(ReadOnlySpan<byte> payload)
        {
            try
            {
                var reader = new Utf8JsonReader(payload);
                using var document = JsonDocument.ParseValue(ref reader);
                var root = document.RootElement;
                return root.ValueKind == JsonValueKind.Object
                    && root.TryGetProperty("partyId", out var id) && id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 } partyId
                    ? new Party(partyId, root.TryGetProperty("groupName", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null)
                    : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }
}
