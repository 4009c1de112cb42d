using Microsoft.Extensions.Options;

namespace Acme.Books.Ingestion.Internal;

/// <summary>Checks the options of one named Acme Books source when the host starts; each message names the configuration key.</summary>
internal sealed class AcmeBooksOptionsValidator(string name, string keyPrefix) : IValidateOptions<AcmeBooksOptions>
{
    public string Name => name;

    public ValidateOptionsResult Validate(string? optionsName, AcmeBooksOptions options)
    {
        if (!string.Equals(optionsName, name, StringComparison.Ordinal))
        {
            return ValidateOptionsResult.Skip;
        }

        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.BaseAddress is not { IsAbsoluteUri: true } address || (address.Scheme != Uri.UriSchemeHttps && address.Scheme != Uri.UriSchemeHttp))
        {
            Fail(nameof(AcmeBooksOptions.BaseAddress), $"must be an absolute http or https address; it is '{options.BaseAddress}'.");
        }

        if (string.IsNullOrWhiteSpace(options.ApiKey))
        {
            Fail(nameof(AcmeBooksOptions.ApiKey), "is required (create a key in the Acme Books developer portal).");
        }

        if (options.PageSize is < 1 or > AcmeBooksOptions.MaxPageSize)
        {
            Fail(nameof(AcmeBooksOptions.PageSize), $"must be from 1 to {AcmeBooksOptions.MaxPageSize}; it is {options.PageSize}.");
        }

        if (options.RequestsPerMinute is < 1)
        {
            Fail(nameof(AcmeBooksOptions.RequestsPerMinute), $"must be at least 1, or empty for no budget; it is {options.RequestsPerMinute}.");
        }

        if (options.ReviewConcurrency is < 1 or > 16)
        {
            Fail(nameof(AcmeBooksOptions.ReviewConcurrency), $"must be from 1 to 16; it is {options.ReviewConcurrency}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        // Never echo the key itself: only say that it is missing.
        void Fail(string key, string problem) => failures.Add($"Acme Books source '{name}': {keyPrefix}{key} {problem}");
    }
}
