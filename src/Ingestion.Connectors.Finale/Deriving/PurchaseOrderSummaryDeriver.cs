using System.Globalization;
using Ingestion.Connectors.Finale.Deriving.Internal;

namespace Ingestion.Connectors.Finale;

/// <summary>A CSV report whose rows are purchase-order lines, and its column labels.</summary>
/// <param name="Stream">The report's stream name.</param>
/// <param name="Columns">The report's column labels.</param>
public sealed record PurchaseOrderReport(string Stream, FinalePurchaseOrderReportColumns Columns)
{
    /// <summary>The culture the report's numbers are formatted in. Defaults to the invariant culture (<c>1,234.50</c>).</summary>
    public CultureInfo Culture { get; init; } = CultureInfo.InvariantCulture;
}

/// <summary>
/// Summarizes each purchase order: status, supplier (<c>supplierId</c> and <c>supplierName</c>, resolved the same way whatever
/// the basis: an order's <c>SUPPLIER</c> party id is named from the synced <see cref="FinaleStreams.Suppliers"/>, and a report's
/// supplier name is given the party id of the one supplier of that name), order and receive dates, line count, distinct products, total quantity
/// and amount, and whether it was received (status <c>ORDER_COMPLETED</c>). The single-order record is the best basis (it has the lines);
/// without one, the rows of a purchase-order report are used (grouped rows with their order cells carried down), and
/// without those the collection row (total from <c>orderItemListTotal</c>, no line or product count). The input key is the
/// <c>orderId</c>; the output is one record keyed <c>{source}:purchase-order:{orderId}</c>, replaced on every derivation.
/// Sales orders are ignored.
/// </summary>
public sealed partial class PurchaseOrderSummaryDeriver : ILookupDeriver
{
    /// <summary>The kind of the derived records.</summary>
    public const string Kind = "purchase_order_summary";

    private readonly StreamId _orders;
    private readonly StreamId _details;
    private readonly StreamId _suppliers;
    private readonly IReadOnlyList<PurchaseOrderReport> _reports;

    /// <summary>Creates the deriver for the Finale source <paramref name="sourceName"/>.</summary>
    /// <param name="sourceName">The source name. Defaults to <c>finale</c>.</param>
    /// <param name="reports">Reports that list purchase-order lines, or <see langword="null"/> for none.</param>
    public PurchaseOrderSummaryDeriver(string sourceName = FinaleOptions.DefaultName, IReadOnlyList<PurchaseOrderReport>? reports = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceName);
        SourceName = sourceName;
        _reports = reports ?? [];
        _orders = new StreamId(sourceName, FinaleStreams.PurchaseOrders);
        _details = new StreamId(sourceName, FinaleStreams.PurchaseOrderDetails);
        _suppliers = new StreamId(sourceName, FinaleStreams.Suppliers);
        Inputs = [_orders, _details, .. _reports.Select(r => new StreamId(sourceName, r.Stream)), _suppliers];
    }

    /// <summary>The source this deriver reads.</summary>
    public string SourceName { get; }

    /// <inheritdoc />
    public string Name => SourceName + ".purchase-order-summary";

    /// <inheritdoc />
    /// <remarks>
    /// 2: the summary has <c>productCount</c>, the distinct products over the order's lines. 3: adjustments count in the total,
    /// and status, dates and total come from the newest read. 4: <c>supplierId</c> and <c>supplierName</c> replace
    /// <c>supplier</c>; report numbers are read in the report's culture.
    /// </remarks>
    public int Version => 4;

    /// <inheritdoc />
    public IReadOnlyList<StreamId> Inputs { get; }

    /// <inheritdoc />
    public string? GetInputKey(StreamId stream, string recordKey, ReadOnlyMemory<byte> payload)
    {
        if (stream == _orders || stream == _details)
        {
            return OrderSummaries.PurchaseOrderId(payload.Span);
        }

        foreach (var report in _reports)
        {
            if (stream == new StreamId(SourceName, report.Stream))
            {
                return OrderSummaries.ReportOrderId(payload.Span, report.Columns);
            }
        }

        return null;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<DerivedRecord>> DeriveAsync(string inputKey, DerivationContext context, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(inputKey);
        ArgumentNullException.ThrowIfNull(context);
        OrderSummary? summary = null;
        var detail = await FirstAsync(context.RawStore, _details, "orderId", inputKey, cancellationToken).ConfigureAwait(false);
        var collectionRow = await FirstAsync(context.RawStore, _orders, "orderId", inputKey, cancellationToken).ConfigureAwait(false);
        if (detail is not null)
        {
            summary = OrderSummaries.FromOrder(detail.Payload.Span, OrderSummaries.BasisOrder);

            // A detail read that is older than the collection row (its fetch failed since, or details are no longer synced)
            // lags in status, dates and total: those come from the newer row, the lines from the detail.
            if (summary is not null && collectionRow is not null
                && OrderSummaries.LastUpdated(collectionRow.Payload.Span) is { } rowUpdated
                && (OrderSummaries.LastUpdated(detail.Payload.Span) is not { } detailUpdated || rowUpdated > detailUpdated)
                && OrderSummaries.FromOrder(collectionRow.Payload.Span, OrderSummaries.BasisCollection) is { } newer)
            {
                summary = newer with
                {
                    LineCount = newer.LineCount ?? summary.LineCount,
                    ProductCount = newer.ProductCount ?? summary.ProductCount,
                    TotalQuantity = newer.TotalQuantity ?? summary.TotalQuantity,
                    TotalAmount = newer.TotalAmount ?? summary.TotalAmount,
                    SupplierId = newer.SupplierId ?? summary.SupplierId,
                    Basis = OrderSummaries.BasisCollection + "+" + OrderSummaries.BasisOrder,
                };
            }
        }

        for (var i = 0; summary is null && i < _reports.Count; i++)
        {
            var report = _reports[i];
            var rows = new List<ReadOnlyMemory<byte>>();
            var query = new RawRecordQuery { FieldName = report.Columns.OrderId, FieldValue = inputKey };
            await foreach (var row in context.RawStore.QueryLatestAsync(new StreamId(SourceName, report.Stream), query, cancellationToken).ConfigureAwait(false))
            {
                if (!row.IsPartial && row.IsJson)
                {
                    rows.Add(row.Payload);
                }
            }

            summary = OrderSummaries.FromReportRows(inputKey, rows, report.Columns, report.Culture);
        }

        if (summary is null && collectionRow is not null)
        {
            summary = OrderSummaries.FromOrder(collectionRow.Payload.Span, OrderSummaries.BasisCollection);
        }

        if (summary is null)
        {
            return [];
        }

        summary = await ResolveSupplierAsync(summary, context.RawStore, cancellationToken).ConfigureAwait(false);

        return [new DerivedRecord
        {
            Key = $"{SourceName}:purchase-order:{summary.OrderId}",
            Kind = Kind,
            Payload = summary.ToJson(),
            EffectiveAt = summary.OrderDate,
        }];
    }

    private static async ValueTask<RawRecord?> FirstAsync(IRawStore store, StreamId stream, string field, string value, CancellationToken cancellationToken)
    {
        await foreach (var record in store.QueryLatestAsync(stream, new RawRecordQuery { FieldName = field, FieldValue = value }, cancellationToken).ConfigureAwait(false))
        {
            if (!record.IsPartial && record.IsJson && OrderSummaries.PurchaseOrderId(record.Payload.Span) is not null)
            {
                return record;
            }
        }

        return null;
    }
}
