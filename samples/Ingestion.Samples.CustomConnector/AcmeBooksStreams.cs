namespace Acme.Books.Ingestion;

/// <summary>The stream names of an Acme Books source, and the name of its deriver.</summary>
public static class AcmeBooksStreams
{
    /// <summary>Every book of the catalog, a full snapshot on each run: <c>books</c>.</summary>
    public const string Books = "books";

    /// <summary>The reviews of each book, a child stream of <see cref="Books"/>: <c>reviews</c>.</summary>
    public const string Reviews = "reviews";

    /// <summary>The suffix of the deriver's name: the deriver of source <c>acme-books</c> is <c>acme-books.book-ratings</c>.</summary>
    public const string RatingsDeriverSuffix = ".book-ratings";
}
