using System.Text.RegularExpressions;

namespace Ingestion.Postgres.Internal;

/// <summary>The only identifiers the store puts into SQL text: plain lowercase names, always quoted as well.</summary>
internal static partial class SqlIdentifier
{
    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);

    public static string Describe(string? name) =>
        $"PostgresStoreOptions.Schema is '{name}', which is not a plain identifier: use a lowercase letter or underscore, " +
        "then lowercase letters, digits or underscores, at most 63 characters in all (for example 'ingestion').";

    /// <summary>Quotes a validated identifier.</summary>
    /// <exception cref="ArgumentException">The name is not a plain identifier.</exception>
    public static string Quote(string name)
    {
        if (!IsValid(name))
        {
            throw new ArgumentException(Describe(name), nameof(name));
        }

        return "\"" + name + "\"";
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}\\z", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Pattern();
}
