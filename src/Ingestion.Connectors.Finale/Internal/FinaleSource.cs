using System.Net.Http.Json;

namespace Ingestion.Connectors.Finale.Internal;

/// <summary>Builds the source definition of one Finale account from its validated options.</summary>
internal static class FinaleSource
{
    public static SourceDefinition Build(string name, FinaleOptions options)
    {
        var account = options.AccountPath!.Trim('/');
        var host = options.BaseAddress.AbsoluteUri.EndsWith('/') ? options.BaseAddress : new Uri(options.BaseAddress.AbsoluteUri + "/");
        var accountAddress = new Uri(host, Uri.EscapeDataString(account) + "/");
        var source = new RestSourceBuilder(name)
            .BaseAddress(accountAddress)
            .Auth(Authenticator(options))
            .Resilience(options.Resilience);
        if (options.RequestsPerMinute > 0)
        {
            source.RateLimit(perMinute: options.RequestsPerMinute);
        }

        // Finale limits collection requests per hour across collections: one budget instance shared by those streams.
        var collections = options.CollectionRequestsPerHour > 0 ? new RateBudget { PerHour = options.CollectionRequestsPerHour } : null;
        var guard = new SnapshotGuardSettings { RetryAfter = options.GuardRetryDelay > TimeSpan.Zero ? options.GuardRetryDelay : null };
        var windows = new OrderWindows(options.WindowSize, options.Limit, options.SyncFrom);
        source.Stream(FinaleStreams.PurchaseOrders, orders =>
        {
            orders.Get("api/order/")
                .Records(RecordSelector.ColumnMajor())
                .Key("orderUrl")
                .Paginate(windows)
                .Incremental(new IncrementalSettings { CursorField = "lastUpdatedDate", Overlap = options.Overlap })
                .PrepareRequest(windows.PrepareWindow)
                .Limits(new PagingLimits { SilentTruncationCap = options.Limit });
            Collection(orders, collections);
            if (options.SyncOrderDetails)
            {
                // The single-order resource has the lines. Order URLs are host-relative and carry every path prefix
                // in front of the account (the "/finale" of a proxy, say), so they are resolved against the origin as sent.
                orders.Child(FinaleStreams.PurchaseOrderDetails, details => details
                    .Get("api/order/{orderId}")
                    .Placeholder("orderId", "orderId")
                    .KeyFromParent()
                    .Incremental(new IncrementalSettings { CursorField = "lastUpdatedDate", Overlap = TimeSpan.Zero })
                    .PrepareRequest(static (request, context) => context.ParentKey is { } orderUrl && orderUrl.StartsWith('/')
                        ? request.WithUri(new Uri(request.Uri, orderUrl))
                        : request)
                    .MaxConcurrency(options.OrderDetailConcurrency));
            }
        });

        source.Stream(FinaleStreams.Products, products => Collection(products
            .Get("api/product/")
            .Records(RecordSelector.ColumnMajor())
            .Key("productUrl")
            .FullSnapshot(guard), collections));

        source.Stream(FinaleStreams.Facilities, facilities => Collection(facilities
            .Get("api/facility/")
            .Records(RecordSelector.ColumnMajor())
            .Key("facilityUrl")
            .FullSnapshot(guard), collections));

        source.Stream(FinaleStreams.Suppliers, suppliers => suppliers
            .Get("api/partygroup/")
            .Records(RecordSelector.ColumnMajor())
            .Key("partyUrl")
            .FullSnapshot(guard));

        foreach (var report in options.Reports)
        {
            var reportGuard = new SnapshotGuardSettings { MinimumRatio = report.MinimumRatio, RetryAfter = guard.RetryAfter };
            source.Stream(report.Name!, stream => stream
                .Get(ReportUrl(report.Url!))
                .Header("Accept", "text/csv")
                .Records(new ReportRowSelector(report))
                .Key(FinaleStreams.ReportKeyField)
                .FullSnapshot(reportGuard));
        }

        return source.Build();
    }

    private static RestStreamBuilder Collection(RestStreamBuilder stream, RateBudget? collections) =>
        collections is null ? stream : stream.RateLimit(collections);

    /// <summary>The pivotTableStream form answers with an HTML progress page; the pivotTable form has the data.</summary>
    internal static string ReportUrl(string url) =>
        url.Replace("/pivotTableStream/", "/pivotTable/", StringComparison.OrdinalIgnoreCase);

    private static IAuthenticator Authenticator(FinaleOptions options)
    {
        if (!string.IsNullOrEmpty(options.ApiKey))
        {
            return Authenticators.Basic(options.ApiKey, options.ApiSecret!);
        }

        var username = options.Username!;
        var password = options.Password!;
        return Authenticators.SessionLogin(
            "api/auth",
            () => JsonContent.Create(new Dictionary<string, string>(StringComparer.Ordinal) { ["username"] = username, ["password"] = password }),
            SessionToken.Cookie("JSESSIONID"));
    }
}
