namespace Ingestion.Postgres.Internal;

/// <summary>PostgreSQL text cannot hold U+0000; the store replaces it rather than fail a write over one character.</summary>
internal static class PostgresText
{
    public static string Clean(string value) =>
        value.Contains('\0', StringComparison.Ordinal) ? value.Replace('\0', '\uFFFD') : value;

    public static string? CleanOrNull(string? value) => value is null ? null : Clean(value);
}
