using Ingestion.Fetching.Internal;

namespace Ingestion;

/// <summary>
/// Masks what looks like a credential in free text, by the rules the engine's own log lines and issues follow: secret
/// query values (<c>api_key=</c>, <c>token=</c>, <c>signature=</c> and the like), <c>Bearer</c>/<c>Basic</c> credentials,
/// and any secret values the caller names. For showing stored errors to people (a dashboard, an alert).
/// </summary>
public static class SecretText
{
    /// <summary>The text that replaces a secret.</summary>
    public const string Mask = SecretRedactor.Mask;

    /// <summary>Returns <paramref name="text"/> with credentials masked; <see langword="null"/> becomes empty.</summary>
    /// <param name="text">The text, for example a stored error message.</param>
    /// <param name="secretValues">Secret values to mask wherever they appear (values shorter than four characters are ignored), or <see langword="null"/>.</param>
    /// <returns>The text as it may be shown.</returns>
    public static string Redact(string? text, IEnumerable<string>? secretValues = null) => SecretRedactor.Text(text, declaredSecrets: null, secretValues);
}
