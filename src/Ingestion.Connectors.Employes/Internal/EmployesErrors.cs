namespace Ingestion.Connectors.Employes.Internal;

/// <summary>
/// What Employes means by its 4xx answers. It sits behind an API gateway that answers 403 for any route it does not know
/// (with a message about the Authorization header), and 403 "explicit deny" for a company the token may not see: both are
/// configuration errors. A 401 means the token is wrong or expired.
/// </summary>
internal sealed class EmployesErrors(string sourceName, EmployesOptionsValidator keys, DateTimeOffset? tokenExpiresAt)
{
    public ErrorInterpretation? Interpret(ErrorResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var body = response.Body.Span;
        switch (response.StatusCode)
        {
            case 403 when Contains(body, "Invalid key=value pair"u8) || Contains(body, "Missing Authentication Token"u8):
                return new ErrorInterpretation(
                    IssueKind.Configuration,
                    $"The Employes API gateway of source '{sourceName}' does not know the route {response.RequestUri.AbsolutePath} (stream '{response.Stream.Name}'): " +
                    $"check {keys.Key(nameof(EmployesOptions.BaseAddress))}, which must end in /v4/ (for example {EmployesOptions.DefaultBaseAddress}).");

            case 403 when Contains(body, "explicit deny"u8):
                return new ErrorInterpretation(
                    IssueKind.Configuration,
                    $"The Employes token of source '{sourceName}' may not access this company: check {keys.Key(nameof(EmployesOptions.CompanyId))} " +
                    "(GET /v4/companies lists the companies the token can see).");

            case 401:
                return new ErrorInterpretation(
                    IssueKind.Unauthorized,
                    $"Employes refused the API token of source '{sourceName}'" +
                    (tokenExpiresAt is { } expiresAt ? $" (it expires at {expiresAt:u})" : string.Empty) +
                    $": generate a new token in the Employes web app and set {keys.Key(nameof(EmployesOptions.BearerToken))}.");

            default:
                return null;
        }
    }

    private static bool Contains(ReadOnlySpan<byte> body, ReadOnlySpan<byte> text) => body.IndexOf(text) >= 0;
}
