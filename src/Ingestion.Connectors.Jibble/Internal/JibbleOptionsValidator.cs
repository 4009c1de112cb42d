using Microsoft.Extensions.Options;

namespace Ingestion.Connectors.Jibble.Internal;

/// <summary>Checks the options of one named Jibble source when the host starts; messages name the configuration key.</summary>
internal sealed class JibbleOptionsValidator(string name, string keyPrefix) : IValidateOptions<JibbleOptions>
{
    public string Name => name;

    public ValidateOptionsResult Validate(string? optionsName, JibbleOptions options)
    {
        if (!string.Equals(optionsName, name, StringComparison.Ordinal))
        {
            return ValidateOptionsResult.Skip;
        }

        ArgumentNullException.ThrowIfNull(options);
        var failures = Check(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public List<string> Check(JibbleOptions options)
    {
        var failures = new List<string>();
        CheckAddress(options.TokenEndpoint, nameof(JibbleOptions.TokenEndpoint));
        CheckAddress(options.WorkspaceAddress, nameof(JibbleOptions.WorkspaceAddress));
        CheckAddress(options.TimeTrackingAddress, nameof(JibbleOptions.TimeTrackingAddress));
        if (string.IsNullOrWhiteSpace(options.ClientId))
        {
            Fail(nameof(JibbleOptions.ClientId), "is required (the API client id from Jibble's organization settings).");
        }

        if (string.IsNullOrEmpty(options.ClientSecret))
        {
            Fail(nameof(JibbleOptions.ClientSecret), "is required (the API client secret from Jibble's organization settings).");
        }

        if (options.MaxFilterIds is < 1 or > 30)
        {
            Fail(nameof(JibbleOptions.MaxFilterIds), $"must be between 1 and 30 (OData servers cap a filter's node count); it is {options.MaxFilterIds}.");
        }

        if (options.Reconciliation.WindowDays is < 1 or > 366)
        {
            Fail("Reconciliation:WindowDays", $"must be between 1 and 366; it is {options.Reconciliation.WindowDays}.");
        }

        if (options.Reconciliation.Every < TimeSpan.FromHours(1))
        {
            Fail("Reconciliation:Every", $"must be at least 01:00:00; it is {options.Reconciliation.Every}.");
        }

        if (options.PageSize is < 1 or > JibbleOptions.MaxPageSize)
        {
            Fail(nameof(JibbleOptions.PageSize), $"must be between 1 and {JibbleOptions.MaxPageSize} (Jibble cuts larger pages silently); it is {options.PageSize}.");
        }

        if (options.LastHours < 1)
        {
            Fail(nameof(JibbleOptions.LastHours), $"must be at least 1; it is {options.LastHours}.");
        }

        if (options.TrailingOpenDays is < 0 or > 366)
        {
            Fail(nameof(JibbleOptions.TrailingOpenDays), $"must be between 0 and 366; it is {options.TrailingOpenDays}.");
        }

        if (options.Backfill is { From: { } from, To: { } to } && to < from)
        {
            Fail("Backfill:To", $"({to:yyyy-MM-dd}) must not be before Backfill:From ({from:yyyy-MM-dd}).");
        }

        for (var i = 0; i < options.GroupFilter.Count; i++)
        {
            if (!Guid.TryParse(options.GroupFilter[i], out _))
            {
                Fail($"GroupFilter:{i}", $"must be a Jibble group id (a GUID); it is '{options.GroupFilter[i]}'.");
            }
        }

        if (options.RequestsPerMinute is < 1)
        {
            Fail(nameof(JibbleOptions.RequestsPerMinute), $"must be at least 1 when set; it is {options.RequestsPerMinute}.");
        }

        if (options.Resilience is null)
        {
            Fail(nameof(JibbleOptions.Resilience), "is required.");
        }
        else
        {
            var resilienceKey = keyPrefix + nameof(JibbleOptions.Resilience) + (keyPrefix.Length == 0 ? "." : ":");
            failures.AddRange(options.Resilience.Validate(resilienceKey).Select(problem => $"Jibble source '{name}': {problem}"));
        }

        return failures;

        void CheckAddress(Uri? address, string key)
        {
            if (address is null || !address.IsAbsoluteUri || address.Scheme is not ("http" or "https"))
            {
                Fail(key, $"must be an absolute http or https address; it is '{address}'.");
            }
        }

        void Fail(string key, string message) => failures.Add($"Jibble source '{name}': {keyPrefix}{key} {message}");
    }
}
