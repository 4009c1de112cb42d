using System.Globalization;

namespace Ingestion.Paging.Internal;

internal static class QueryValues
{
    public static long GetInt64(PageRequest request, string name, long fallback) =>
        long.TryParse(request.GetQueryParameter(name), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : fallback;

    public static long? ParseInt64(string? text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    public static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);
}
