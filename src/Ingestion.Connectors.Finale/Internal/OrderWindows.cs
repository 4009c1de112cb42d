using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Ingestion.Connectors.Finale.Internal;

/// <summary>
/// Walks the purchase-order collection in <c>lastUpdatedDate</c> windows sent in Finale's base64 <c>filter</c> parameter.
/// The first window starts at the watermark (moved back by the overlap) and every window is at most the configured width
/// (Finale refuses more than 30 days); the last one ends at the run's start plus <see cref="ClockMargin"/> (for clock differences
/// between the host and Finale), never open: the real API may refuse an open upper bound. Finale has no paging and cuts a result at
/// <c>limit</c> rows without saying so, so a window that returns exactly <c>limit</c> rows is replaced by its first half
/// (<see cref="PageDecision.Replace"/>: its rows are dropped, never written) until the rows fit.
/// The window travels in <see cref="PageRequest.PagingState"/>, so a checkpoint resumes exactly where a run stopped.
/// </summary>
internal sealed class OrderWindows(TimeSpan windowSize, int limit, DateTimeOffset? syncFrom) : IPaginator
{
    /// <summary>The narrowest window; a result that still fills <c>limit</c> is kept and flagged by the engine.</summary>
    internal static readonly TimeSpan MinimumWindow = TimeSpan.FromSeconds(1);

    /// <summary>How far past the run's start the last window ends, for clock differences between the host and Finale.</summary>
    internal static readonly TimeSpan ClockMargin = TimeSpan.FromHours(1);

    private const string DateFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";

    public PageRequest PrepareFirst(PageRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.WithQueryParameter("limit", limit.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Applies the first window: from the watermark (or <c>SyncFrom</c>, or a year back) up to the run's start.</summary>
    public PageRequest PrepareWindow(PageRequest request, StreamRequestContext context)
    {
        var until = Truncate(context.RunStartedAt);
        DateTimeOffset from;
        if (context.Parameters.TryGetValue("from", out var fromParameter) && TryParse(fromParameter, out var requested))
        {
            from = requested;
        }
        else if (context.Watermark is { } watermark && TryParse(watermark, out var parsed))
        {
            from = parsed;
        }
        else
        {
            from = syncFrom ?? until.AddDays(-365);
        }

        return Apply(request, new Window(Truncate(from), Width: windowSize, Until: until));
    }

    public PageDecision Next(PageRequest request, PageResponse response)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(response);
        if (request.PagingState is not { } state || !Window.TryParse(state, out var window))
        {
            return PageDecision.Stop(PageStopReason.SinglePage);
        }

        var end = window.To ?? window.Until;
        if (response.RecordCount >= limit && end - window.From > MinimumWindow)
        {
            // Truncated: the same window's first half replaces it; the second half follows as the next window.
            var half = TimeSpan.FromSeconds(Math.Max(1, Math.Floor((end - window.From).TotalSeconds / 2)));
            return PageDecision.Replace(Apply(request, window with { Width = half }, forceClosed: true));
        }

        if (window.To is not { } to || to >= window.Until + ClockMargin)
        {
            return PageDecision.Stop(PageStopReason.NoNextPage);
        }

        // The width grows back after a narrowed window, up to the configured one.
        var width = TimeSpan.FromTicks(Math.Min(window.Width.Ticks * 2, windowSize.Ticks));
        return PageDecision.Next(Apply(request, window with { From = to, Width = width }));
    }

    private static PageRequest Apply(PageRequest request, Window window, bool forceClosed = false)
    {
        // The last window ends at the run's start plus the clock margin (a narrowed window keeps its own end).
        var end = window.Until + ClockMargin;
        var to = window.From + window.Width;
        var current = window with { To = !forceClosed && to > end && end > window.From ? end : to };
        return request
            .WithQueryParameter("filter", Filter(current.From, current.To))
            .WithPagingState(current.ToState());
    }

    internal static string Filter(DateTimeOffset from, DateTimeOffset? to)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("orderTypeId");
            writer.WriteStringValue("PURCHASE_ORDER");
            writer.WriteStringValue("PURCHASE_ORDER");
            writer.WriteEndArray();
            writer.WriteStartArray("lastUpdatedDate");
            writer.WriteStringValue(Format(from));
            if (to is { } upper)
            {
                writer.WriteStringValue(Format(upper));
            }
            else
            {
                writer.WriteNullValue();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Convert.ToBase64String(stream.GetBuffer(), 0, (int)stream.Length);
    }

    internal static string Format(DateTimeOffset value) => value.UtcDateTime.ToString(DateFormat, CultureInfo.InvariantCulture);

    internal static bool TryParse(string value, out DateTimeOffset parsed) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out parsed);

    private static DateTimeOffset Truncate(DateTimeOffset value) => new(value.UtcTicks - (value.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    /// <summary>One window: its bounds (an open upper bound is <see langword="null"/>), its width and the end of the whole run.</summary>
    internal readonly record struct Window(DateTimeOffset From, TimeSpan Width, DateTimeOffset Until, DateTimeOffset? To = null)
    {
        public string ToState()
        {
            var builder = new StringBuilder(96);
            builder.Append(Format(From)).Append('|').Append(To is { } to ? Format(to) : string.Empty).Append('|')
                .Append(Format(Until)).Append('|').Append(((long)Width.TotalSeconds).ToString(CultureInfo.InvariantCulture));
            return builder.ToString();
        }

        public static bool TryParse(string state, out Window window)
        {
            window = default;
            var parts = state.Split('|');
            if (parts.Length != 4
                || !OrderWindows.TryParse(parts[0], out var from)
                || !OrderWindows.TryParse(parts[2], out var until)
                || !long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                return false;
            }

            DateTimeOffset? to = null;
            if (parts[1].Length > 0)
            {
                if (!OrderWindows.TryParse(parts[1], out var upper))
                {
                    return false;
                }

                to = upper;
            }

            window = new Window(from, TimeSpan.FromSeconds(seconds), until, to);
            return true;
        }
    }
}
