using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Acme.Books.Ingestion.Tests.Support;

/// <summary>
/// A local fake of the Acme Books API on Kestrel (127.0.0.1, a free port):
/// <list type="bullet">
/// <item><c>GET /v1/books?limit=N&amp;cursor=C</c> → <c>{"data":[...],"next_cursor":"..."|null,"served_at":"..."}</c>, ordered by id.</item>
/// <item><c>GET /v1/books/{id}/reviews?page_token=T</c> → <c>{"reviews":[...]}</c>, two per page, the next token in the <c>Acme-Next-Page</c> header.</item>
/// <item>Every request needs <c>X-Acme-Key</c> equal to <see cref="ApiKey"/>, or gets 401.</item>
/// </list>
/// Tests change <see cref="Books"/> and <see cref="Reviews"/> between syncs; <see cref="Requests"/> keeps every request line.
/// </summary>
public sealed class FakeAcmeBooksApi : IAsyncDisposable
{
    public const string ApiKey = "acme-test-key-7f3a";
    private const int ReviewsPerPage = 2;

    private TestHttpServer _server = null!;
    private int _served;

    private FakeAcmeBooksApi()
    {
    }

    /// <summary>The books, by id.</summary>
    public ConcurrentDictionary<string, Book> Books { get; } = new(StringComparer.Ordinal);

    /// <summary>The reviews, by id.</summary>
    public ConcurrentDictionary<string, Review> Reviews { get; } = new(StringComparer.Ordinal);

    /// <summary>The server's address, ending with <c>/</c>.</summary>
    public Uri BaseAddress => _server.BaseAddress;

    /// <summary>Every request as <c>METHOD /path?query</c>, in arrival order.</summary>
    public IReadOnlyList<string> Requests => _server.Requests;

    /// <summary>Starts the fake with five books and six reviews (three on <c>b-1</c>, so its reviews take two pages).</summary>
    public static async Task<FakeAcmeBooksApi> StartAsync()
    {
        var api = new FakeAcmeBooksApi();
        api.Seed();
        api._server = await TestHttpServer.StartAsync(app =>
        {
            // Runs after the server has recorded the request, so refused requests show in Requests too.
            app.Use(async (context, next) =>
            {
                if (!string.Equals(context.Request.Headers["X-Acme-Key"], ApiKey, StringComparison.Ordinal))
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    await context.Response.WriteAsJsonAsync(new { error = "invalid api key" });
                    return;
                }

                await next(context);
            });
            app.MapGet("/v1/books", (HttpContext context) => api.ListBooks(context));
            app.MapGet("/v1/books/{id}/reviews", (string id, HttpContext context) => api.ListReviews(id, context));
        });
        return api;
    }

    private void Seed()
    {
        string[] titles = ["Dune", "Emma", "Ulysses", "Beloved", "Middlemarch"];
        for (var i = 0; i < titles.Length; i++)
        {
            var id = $"b-{i + 1}";
            Books[id] = new Book(id, titles[i], "2026-01-0" + (i + 1) + "T10:00:00Z");
        }

        Reviews["r-1"] = new Review("r-1", "b-1", 5);
        Reviews["r-2"] = new Review("r-2", "b-1", 4);
        Reviews["r-3"] = new Review("r-3", "b-1", 2);
        Reviews["r-4"] = new Review("r-4", "b-2", 3);
        Reviews["r-5"] = new Review("r-5", "b-3", 5);
        Reviews["r-6"] = new Review("r-6", "b-3", 4);
    }

    private IResult ListBooks(HttpContext context)
    {
        var limit = int.TryParse(context.Request.Query["limit"], CultureInfo.InvariantCulture, out var l) ? l : 50;
        var after = (string?)context.Request.Query["cursor"];
        var ordered = Books.Values.OrderBy(b => b.Id, StringComparer.Ordinal).ToList();
        var start = after is null ? 0 : ordered.FindIndex(b => string.CompareOrdinal(b.Id, after) > 0);
        var page = start < 0 ? [] : ordered.Skip(start).Take(limit).ToList();
        var more = start >= 0 && start + page.Count < ordered.Count;

        // served_at changes on every response: the connector ignores it when hashing.
        var servedAt = Interlocked.Increment(ref _served);
        return Results.Json(new
        {
            data = page.Select(b => new { id = b.Id, title = b.Title, updated_at = b.UpdatedAt, served_at = servedAt }),
            next_cursor = more ? page[^1].Id : null,
        });
    }

    private IResult ListReviews(string bookId, HttpContext context)
    {
        var ordered = Reviews.Values.Where(r => r.BookId == bookId).OrderBy(r => r.Id, StringComparer.Ordinal).ToList();
        var pageIndex = int.TryParse(context.Request.Query["page_token"], CultureInfo.InvariantCulture, out var p) ? p : 0;
        var page = ordered.Skip(pageIndex * ReviewsPerPage).Take(ReviewsPerPage).ToList();
        if ((pageIndex + 1) * ReviewsPerPage < ordered.Count)
        {
            context.Response.Headers["Acme-Next-Page"] = (pageIndex + 1).ToString(CultureInfo.InvariantCulture);
        }

        return Results.Json(new { reviews = page.Select(r => new { id = r.Id, book_id = r.BookId, rating = r.Rating }) });
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    /// <summary>A book of the fake catalog.</summary>
    public sealed record Book(string Id, string Title, string UpdatedAt);

    /// <summary>A review of a book.</summary>
    public sealed record Review(string Id, string BookId, int Rating);

    /// <summary>Reads a JSON property of a stored payload as text.</summary>
    public static string? Read(ReadOnlyMemory<byte> payload, string property)
    {
        using var document = JsonDocument.Parse(payload);
        return document.RootElement.TryGetProperty(property, out var value) ? value.ToString() : null;
    }
}
