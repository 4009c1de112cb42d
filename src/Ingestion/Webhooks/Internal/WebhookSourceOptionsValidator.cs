using Microsoft.Extensions.Options;

namespace Ingestion.Webhooks.Internal;

internal sealed class WebhookSourceOptionsValidator(IEnumerable<WebhookSourceRegistration> registrations) : IValidateOptions<WebhookSourceOptions>
{
    private readonly HashSet<string> _sources = [.. registrations.Select(r => r.Source)];

    public ValidateOptionsResult Validate(string? name, WebhookSourceOptions options)
    {
        if (name is null || !_sources.Contains(name))
        {
            return ValidateOptionsResult.Skip;
        }

        var failures = new List<string>();
        var prefix = $"Webhook of source '{name}': ";
        if (options.Secrets.Count == 0 || options.Secrets.Any(string.IsNullOrEmpty))
        {
            failures.Add(prefix + $"{nameof(WebhookSourceOptions.Secrets)} needs at least one secret, and none may be empty.");
        }

        if (string.IsNullOrWhiteSpace(options.SignatureHeader))
        {
            failures.Add(prefix + $"{nameof(WebhookSourceOptions.SignatureHeader)} is required.");
        }

        if (!Enum.IsDefined(options.Algorithm))
        {
            failures.Add(prefix + $"{nameof(WebhookSourceOptions.Algorithm)} '{options.Algorithm}' is not one of {string.Join(", ", Enum.GetNames<WebhookSignatureAlgorithm>())}.");
        }

        if (!Enum.IsDefined(options.SignatureEncoding))
        {
            failures.Add(prefix + $"{nameof(WebhookSourceOptions.SignatureEncoding)} '{options.SignatureEncoding}' is not one of {string.Join(", ", Enum.GetNames<WebhookSignatureEncoding>())}.");
        }

        if (options.TimestampTolerance <= TimeSpan.Zero)
        {
            failures.Add(prefix + $"{nameof(WebhookSourceOptions.TimestampTolerance)} must be positive.");
        }

        if (options.SignedContentPrefix?.Contains("{timestamp}", StringComparison.Ordinal) == true && string.IsNullOrWhiteSpace(options.TimestampHeader))
        {
            failures.Add(prefix + $"{nameof(WebhookSourceOptions.SignedContentPrefix)} uses {{timestamp}} but {nameof(WebhookSourceOptions.TimestampHeader)} is not set.");
        }

        if (options.MaxBodyBytes <= 0)
        {
            failures.Add(prefix + $"{nameof(WebhookSourceOptions.MaxBodyBytes)} must be positive.");
        }

        if (options.MaxProcessingAttempts < 1)
        {
            failures.Add(prefix + $"{nameof(WebhookSourceOptions.MaxProcessingAttempts)} must be at least 1.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
