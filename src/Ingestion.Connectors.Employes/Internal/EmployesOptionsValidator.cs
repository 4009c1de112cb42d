using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Ingestion.Connectors.Employes.Internal;

/// <summary>Validates one named instance's options; messages name the configuration key (or the option when set in code).</summary>
internal sealed class EmployesOptionsValidator(string name, string? sectionPath) : IValidateOptions<EmployesOptions>
{
    /// <summary>The source (options instance) this validator belongs to.</summary>
    public string Name => name;

    /// <summary>The validator registered for the account <paramref name="source"/>, which knows its configuration keys.</summary>
    public static EmployesOptionsValidator Of(IServiceProvider services, string source) =>
        services.GetServices<IValidateOptions<EmployesOptions>>().OfType<EmployesOptionsValidator>().FirstOrDefault(v => v.Name == source)
        ?? new EmployesOptionsValidator(source, sectionPath: null);

    public ValidateOptionsResult Validate(string? optionsName, EmployesOptions options)
    {
        if (!string.Equals(optionsName, name, StringComparison.Ordinal))
        {
            return ValidateOptionsResult.Skip;
        }

        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.BearerToken))
        {
            errors.Add($"{Key(nameof(EmployesOptions.BearerToken))} is required: the Employes API token (generate one in the Employes web app under account settings).");
        }
        else if (options.BearerToken.Trim().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"{Key(nameof(EmployesOptions.BearerToken))} must be the token alone, without the 'Bearer ' prefix.");
        }

        if (string.IsNullOrWhiteSpace(options.CompanyId))
        {
            errors.Add($"{Key(nameof(EmployesOptions.CompanyId))} is required: the company (administration) id, a GUID (GET /v4/companies lists the ones the token can see).");
        }
        else if (!Guid.TryParse(options.CompanyId, out _))
        {
            errors.Add($"{Key(nameof(EmployesOptions.CompanyId))} must be a GUID (was '{options.CompanyId}').");
        }

        if (string.IsNullOrWhiteSpace(options.BaseAddress)
            || !Uri.TryCreate(options.BaseAddress, UriKind.Absolute, out var address)
            || address.Scheme is not ("http" or "https"))
        {
            errors.Add($"{Key(nameof(EmployesOptions.BaseAddress))} must be an absolute http or https address (was '{options.BaseAddress}').");
        }

        if (options.PerPage is < 1 or > 100)
        {
            errors.Add($"{Key(nameof(EmployesOptions.PerPage))} must be between 1 and 100 (was {options.PerPage}).");
        }

        if (options.RequestsPerSecond < 0)
        {
            errors.Add($"{Key(nameof(EmployesOptions.RequestsPerSecond))} must be 0 (no budget) or more (was {options.RequestsPerSecond}).");
        }

        if (options.MaxConcurrency is < 1 or > 64)
        {
            errors.Add($"{Key(nameof(EmployesOptions.MaxConcurrency))} must be between 1 and 64 (was {options.MaxConcurrency}).");
        }

        if (options.TokenExpiryWarning < TimeSpan.Zero)
        {
            errors.Add($"{Key(nameof(EmployesOptions.TokenExpiryWarning))} must not be negative (was {options.TokenExpiryWarning}).");
        }

        if (options.Resilience is null)
        {
            errors.Add($"{Key(nameof(EmployesOptions.Resilience))} is required.");
        }
        else
        {
            // The same checks every source's Resilience section gets, each naming its full key.
            var resilienceKey = string.IsNullOrEmpty(sectionPath) ? $"{nameof(EmployesOptions)}.{nameof(EmployesOptions.Resilience)}." : $"{sectionPath}:{nameof(EmployesOptions.Resilience)}:";
            errors.AddRange(options.Resilience.Validate(resilienceKey).Select(problem => $"Employes source '{name}': {problem}"));
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>The key a person would change: the configuration path, or the option's name when set in code.</summary>
    public string Key(string option) => string.IsNullOrEmpty(sectionPath)
        ? $"Employes source '{name}': {nameof(EmployesOptions)}.{option}"
        : $"Employes source '{name}': {sectionPath}:{option}";
}
