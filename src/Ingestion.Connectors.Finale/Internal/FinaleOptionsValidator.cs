using System.Globalization;
using Microsoft.Extensions.Options;

namespace Ingestion.Connectors.Finale.Internal;

/// <summary>Checks the options of one named Finale source when the host starts; messages name the configuration key.</summary>
internal sealed class FinaleOptionsValidator(string name, string keyPrefix) : IValidateOptions<FinaleOptions>
{
    public string Name => name;

    public ValidateOptionsResult Validate(string? optionsName, FinaleOptions options)
    {
        if (!string.Equals(optionsName, name, StringComparison.Ordinal))
        {
            return ValidateOptionsResult.Skip;
        }

        ArgumentNullException.ThrowIfNull(options);
        var failures = Check(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public List<string> Check(FinaleOptions options)
    {
        var failures = new List<string>();
        if (options.BaseAddress is not { IsAbsoluteUri: true } address || (address.Scheme != Uri.UriSchemeHttps && address.Scheme != Uri.UriSchemeHttp))
        {
            Fail(nameof(FinaleOptions.BaseAddress), "must be an absolute http or https address (for example https://app.finaleinventory.com/).");
        }

        if (string.IsNullOrWhiteSpace(options.AccountPath) || options.AccountPath.Trim('/').Contains('/', StringComparison.Ordinal))
        {
            Fail(nameof(FinaleOptions.AccountPath), "is required: the one path segment after the host in the Finale login URL (for example 'acme').");
        }

        var hasKey = !string.IsNullOrEmpty(options.ApiKey) || !string.IsNullOrEmpty(options.ApiSecret);
        var hasLogin = !string.IsNullOrEmpty(options.Username) || !string.IsNullOrEmpty(options.Password);
        if (hasKey)
        {
            if (string.IsNullOrEmpty(options.ApiKey))
            {
                Fail(nameof(FinaleOptions.ApiKey), "is required when ApiSecret is set.");
            }
            else if (options.ApiKey.Contains(':', StringComparison.Ordinal))
            {
                Fail(nameof(FinaleOptions.ApiKey), "must not contain ':'.");
            }

            if (string.IsNullOrEmpty(options.ApiSecret))
            {
                Fail(nameof(FinaleOptions.ApiSecret), "is required when ApiKey is set.");
            }
        }
        else if (hasLogin)
        {
            if (string.IsNullOrEmpty(options.Username))
            {
                Fail(nameof(FinaleOptions.Username), "is required when Password is set.");
            }

            if (string.IsNullOrEmpty(options.Password))
            {
                Fail(nameof(FinaleOptions.Password), "is required when Username is set.");
            }
        }
        else
        {
            Fail(nameof(FinaleOptions.ApiKey), "and ApiSecret are required (or Username and Password for the session login).");
        }

        if (options.WindowSize <= TimeSpan.Zero || options.WindowSize > FinaleOptions.MaxWindowSize)
        {
            Fail(nameof(FinaleOptions.WindowSize), $"must be more than zero and at most 30 days (Finale refuses wider lastUpdatedDate ranges); it is {options.WindowSize}.");
        }

        if (options.Overlap < TimeSpan.Zero || options.Overlap >= options.WindowSize)
        {
            Fail(nameof(FinaleOptions.Overlap), $"must be zero or more and less than WindowSize; it is {options.Overlap}.");
        }

        if (options.Limit < 2)
        {
            Fail(nameof(FinaleOptions.Limit), $"must be at least 2; it is {options.Limit.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (options.OrderDetailConcurrency is < 1 or > 64)
        {
            Fail(nameof(FinaleOptions.OrderDetailConcurrency), $"must be between 1 and 64; it is {options.OrderDetailConcurrency.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (options.CollectionRequestsPerHour < 0)
        {
            Fail(nameof(FinaleOptions.CollectionRequestsPerHour), "must be zero (no budget) or more.");
        }

        if (options.RequestsPerMinute < 0)
        {
            Fail(nameof(FinaleOptions.RequestsPerMinute), "must be zero (no budget) or more.");
        }

        if (options.Resilience is null)
        {
            Fail(nameof(FinaleOptions.Resilience), "is required.");
        }
        else
        {
            var resilienceKey = keyPrefix + nameof(FinaleOptions.Resilience) + (keyPrefix.Length == 0 ? "." : ":");
            failures.AddRange(options.Resilience.Validate(resilienceKey).Select(problem => $"Finale source '{name}': {problem}"));
        }

        if (options.GuardRetryDelay < TimeSpan.Zero)
        {
            Fail(nameof(FinaleOptions.GuardRetryDelay), "must be zero (no retry) or more.");
        }

        var names = new HashSet<string>(StringComparer.Ordinal)
        {
            FinaleStreams.PurchaseOrders, FinaleStreams.PurchaseOrderDetails, FinaleStreams.Products, FinaleStreams.Facilities,
            FinaleStreams.Suppliers,
        };
        for (var i = 0; i < options.Reports.Count; i++)
        {
            var report = options.Reports[i];
            var key = $"Reports:{i.ToString(CultureInfo.InvariantCulture)}:";
            if (string.IsNullOrWhiteSpace(report.Name))
            {
                Fail(key + nameof(FinaleReportOptions.Name), "is required (the report's stream name).");
            }
            else if (!names.Add(report.Name))
            {
                Fail(key + nameof(FinaleReportOptions.Name), $"'{report.Name}' is already the name of another stream of this source.");
            }

            if (string.IsNullOrWhiteSpace(report.Url))
            {
                Fail(key + nameof(FinaleReportOptions.Url), "is required (the report URL as copied from Finale).");
            }
            else if (report.Url.Contains('{', StringComparison.Ordinal) || report.Url.Contains('}', StringComparison.Ordinal)
                || !Uri.TryCreate(report.Url, UriKind.RelativeOrAbsolute, out _)
                || !report.Url.Contains("/report/", StringComparison.OrdinalIgnoreCase))
            {
                Fail(key + nameof(FinaleReportOptions.Url), "must be a Finale report URL (…/doc/report/pivotTable/{id}/Report.csv?…) with braces URL-encoded.");
            }

            if (report.KeyColumns.Count == 0 || report.KeyColumns.Any(string.IsNullOrWhiteSpace))
            {
                Fail(key + nameof(FinaleReportOptions.KeyColumns), "needs at least one column label, and no blank ones: the columns whose values identify a row.");
            }

            if (!string.IsNullOrEmpty(report.Culture) && FinaleReportCulture.TryGet(report.Culture) is null)
            {
                Fail(key + nameof(FinaleReportOptions.Culture), $"'{report.Culture}' is not a culture name this machine knows (for example nl-NL, or empty for the invariant culture).");
            }

            if (report.MinimumRatio is < 0 or > 1 || double.IsNaN(report.MinimumRatio))
            {
                Fail(key + nameof(FinaleReportOptions.MinimumRatio), "must be between 0 and 1.");
            }
        }

        return failures;

        void Fail(string option, string message) =>
            failures.Add($"Finale source '{name}': {keyPrefix}{option} {message}");
    }
}
