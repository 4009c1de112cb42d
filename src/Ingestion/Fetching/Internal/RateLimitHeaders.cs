using System.Globalization;
using System.Net.Http.Headers;

namespace Ingestion.Fetching.Internal;

/// <summary>Reads how long an API asks to be left alone: <c>Retry-After</c> and the <c>X-RateLimit-*</c> family.</summary>
internal static class RateLimitHeaders
{
    // Epoch values are told apart by magnitude: seconds since 1970 passed 1e9 in 2001 and milliseconds reach 1e12 in 2001;
    // anything below 1e8 (three years after 1970) is a delta in seconds, which some APIs send under the same name.
    private const double EpochSecondsFloor = 1e8;
    private const double EpochMillisecondsFloor = 1e11;

    /// <summary>The wait asked by <c>Retry-After</c> (delta seconds or HTTP date), else by <c>X-RateLimit-Reset</c>; <see langword="null"/> when neither is present.</summary>
    public static TimeSpan? RequestedWait(HttpResponseHeaders headers, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (headers.RetryAfter is { } retryAfter)
        {
            if (retryAfter.Delta is { } delta)
            {
                return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
            }

            if (retryAfter.Date is { } date)
            {
                var wait = date - now;
                return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
            }
        }

        return ResetAt(headers, now) is { } reset ? Max(reset - now, TimeSpan.Zero) : null;
    }

    /// <summary>When the API's window resets according to <c>X-RateLimit-Reset</c> (or <c>RateLimit-Reset</c>).</summary>
    public static DateTimeOffset? ResetAt(HttpResponseHeaders headers, DateTimeOffset now)
    {
        var raw = First(headers, "X-RateLimit-Reset") ?? First(headers, "RateLimit-Reset");
        if (raw is null || !double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0 || double.IsNaN(value))
        {
            return null;
        }

        try
        {
            return value switch
            {
                >= EpochMillisecondsFloor => DateTimeOffset.FromUnixTimeMilliseconds((long)value),
                >= EpochSecondsFloor => DateTimeOffset.FromUnixTimeMilliseconds((long)(value * 1000)),
                _ => now + TimeSpan.FromSeconds(value),
            };
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>The <c>X-RateLimit-Remaining</c> value, or <see langword="null"/>.</summary>
    public static long? Remaining(HttpResponseHeaders headers)
    {
        var raw = First(headers, "X-RateLimit-Remaining") ?? First(headers, "RateLimit-Remaining");
        return raw is not null && long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    private static string? First(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault()?.Trim() : null;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
