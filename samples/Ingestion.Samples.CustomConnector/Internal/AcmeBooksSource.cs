using System.Globalization;
using Ingestion;

namespace Acme.Books.Ingestion.Internal;

/// <summary>Builds the source definition of one Acme Books account from its validated options.</summary>
internal static class AcmeBooksSource
{
    public static SourceDefinition Build(string name, AcmeBooksOptions options)
    {
        var source = new RestSourceBuilder(name)
            .BaseAddress(options.BaseAddress)
            .ApiKey("X-Acme-Key", options.ApiKey!)
            .Header("Accept", "application/json");
        if (options.RequestsPerMinute is { } perMinute)
        {
            source.RateLimit(perMinute: perMinute);
        }

        source.Stream(AcmeBooksStreams.Books, books => books
            .Get("v1/books")
            .Query("limit", options.PageSize.ToString(CultureInfo.InvariantCulture))
            .Records("$.data")
            .Key("id")
            .Paginate(Paginators.Cursor(tokenPath: "$.next_cursor", parameter: "cursor"))
            .FullSnapshot()
            .IgnorePaths("$.served_at")
            .Child(AcmeBooksStreams.Reviews, reviews => reviews
                .Get("v1/books/{id}/reviews")
                .Records("$.reviews")
                .Key("id")
                .Paginate(NextPageHeaderPaginator.Instance)
                .MaxConcurrency(options.ReviewConcurrency)));

        return source.Build();
    }
}
