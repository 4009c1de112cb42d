using System.Globalization;

namespace Ingestion.Connectors.Finale.Internal;

/// <summary>Resolves <see cref="FinaleReportOptions.Culture"/>.</summary>
internal static class FinaleReportCulture
{
    /// <summary>The culture of the name, the invariant culture for an empty name, or <see langword="null"/> for an unknown name.</summary>
    public static CultureInfo? TryGet(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return CultureInfo.InvariantCulture;
        }

        try
        {
            var culture = CultureInfo.GetCultureInfo(name.Trim(), predefinedOnly: true);
            return culture;
        }
        catch (CultureNotFoundException)
        {
            return null;
        }
    }
}
