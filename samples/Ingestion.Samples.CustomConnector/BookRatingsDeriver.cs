using System.Buffers;
using System.Text.Json;
using Ingestion;

namespace Acme.Books.Ingestion;

/// <summary>
/// Derives one rating summary per book (<c>book_rating</c>: title, review count, average rating) from the raw books and
/// reviews of one Acme Books source. Pure and deterministic: the output for a book depends only on the stored records, so
/// deriving twice gives the same result, and raising <see cref="Version"/> rebuilds every summary from the raw store.
/// </summary>
public sealed class BookRatingsDeriver : IDeriver
{
    /// <summary>The kind of the derived records.</summary>
    public const string Kind = "book_rating";

    private readonly StreamId _books;
    private readonly StreamId _reviews;

    /// <summary>Creates the deriver of the source <paramref name="sourceName"/>.</summary>
    /// <param name="sourceName">The Acme Books source name.</param>
    public BookRatingsDeriver(string sourceName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceName);
        SourceName = sourceName;
        Name = sourceName + AcmeBooksStreams.RatingsDeriverSuffix;
        _books = new StreamId(sourceName, AcmeBooksStreams.Books);
        _reviews = new StreamId(sourceName, AcmeBooksStreams.Reviews);
        Inputs = [_books, _reviews];
    }

    /// <summary>The source whose records this deriver reads.</summary>
    public string SourceName { get; }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public int Version => 1;

    /// <inheritdoc />
    public IReadOnlyList<StreamId> Inputs { get; }

    /// <inheritdoc />
    /// <remarks>A changed book affects its own summary; a changed review affects the summary of the book it belongs to.</remarks>
    public string? GetInputKey(StreamId stream, string recordKey, ReadOnlyMemory<byte> payload)
    {
        if (stream == _books)
        {
            return recordKey;
        }

        return stream == _reviews ? ReadString(payload, "book_id") : null;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<DerivedRecord>> DeriveAsync(string inputKey, DerivationContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var book = await context.RawStore.GetLatestAsync(_books, inputKey, cancellationToken).ConfigureAwait(false);
        if (book is null || book.DeletedAt is not null || book.IsPartial || !book.IsJson)
        {
            // No (usable) book: its summary is replaced by nothing.
            return [];
        }

        var count = 0;
        var total = 0L;
        var query = new RawRecordQuery { FieldName = "book_id", FieldValue = inputKey };
        await foreach (var review in context.RawStore.QueryLatestAsync(_reviews, query, cancellationToken).ConfigureAwait(false))
        {
            if (!review.IsPartial && review.IsJson && ReadInt(review.Payload, "rating") is { } rating)
            {
                count++;
                total += rating;
            }
        }

        var output = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(output))
        {
            writer.WriteStartObject();
            writer.WriteString("book_id", inputKey);
            writer.WriteString("title", ReadString(book.Payload, "title"));
            writer.WriteNumber("review_count", count);
            if (count > 0)
            {
                writer.WriteNumber("average_rating", Math.Round((double)total / count, 2, MidpointRounding.AwayFromZero));
            }
            else
            {
                writer.WriteNull("average_rating");
            }

            writer.WriteEndObject();
        }

        return [new DerivedRecord { Key = "book:" + inputKey, Kind = Kind, Payload = output.WrittenMemory.ToArray() }];
    }

    private static string? ReadString(ReadOnlyMemory<byte> payload, string property)
    {
        try
        {
            var reader = new Utf8JsonReader(payload.Span);
            using var document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(property, out var value)
                ? value.ValueKind switch
                {
                    JsonValueKind.String => value.GetString(),
                    JsonValueKind.Number => value.GetRawText(),
                    _ => null,
                }
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static int? ReadInt(ReadOnlyMemory<byte> payload, string property)
    {
        try
        {
            var reader = new Utf8JsonReader(payload.Span);
            using var document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty(property, out var value)
                && value.ValueKind == JsonValueKind.Number
                && value.TryGetInt32(out var number)
                ? number
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
