using System.Text.Json;
using Acme.Books.Ingestion.Tests.Support;
using Ingestion;
using Microsoft.Extensions.Options;

namespace Acme.Books.Ingestion.Tests;

/// <summary>Real syncs of the Acme Books connector against the local fake API, into PostgreSQL, through the engine's runner.</summary>
public sealed class AcmeBooksConnectorTests(PostgresFixture postgres)
{
    private static readonly StreamId Books = new(AcmeBooksOptions.DefaultName, AcmeBooksStreams.Books);
    private static readonly StreamId Reviews = new(AcmeBooksOptions.DefaultName, AcmeBooksStreams.Reviews);

    [Fact]
    public async Task First_sync_stores_every_book_and_review_following_the_cursor_and_the_header_token()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var api = await FakeAcmeBooksApi.StartAsync();
        await using var host = await AcmeHost.StartAsync(await postgres.CreateDatabaseAsync("acme_first"), AcmeHost.Settings(api), ct);

        var reports = await host.Runner.SyncSourceAsync(AcmeBooksOptions.DefaultName, options: null, ct);

        var books = Assert.Single(reports, r => r.Stream == Books);
        Assert.Equal(RunStatus.Succeeded, books.Status);
        Assert.Equal(3, books.Pages); // 2 + 2 + 1 books
        Assert.Equal(5, books.RecordsNew);
        var reviews = Assert.Single(reports, r => r.Stream == Reviews);
        Assert.Equal(RunStatus.Succeeded, reviews.Status);
        Assert.Equal(6, reviews.RecordsNew);

        var requests = api.Requests;
        Assert.Contains("GET /v1/books?limit=2", requests);
        Assert.Contains("GET /v1/books?limit=2&cursor=b-2", requests);
        Assert.Contains("GET /v1/books?limit=2&cursor=b-4", requests);
        Assert.Contains("GET /v1/books/b-1/reviews", requests);
        Assert.Contains("GET /v1/books/b-1/reviews?page_token=1", requests);
        Assert.DoesNotContain("GET /v1/books/b-2/reviews?page_token=1", requests);

        Assert.Equal(["b-1", "b-2", "b-3", "b-4", "b-5"], (await host.LatestAsync(AcmeBooksStreams.Books, ct)).Select(r => r.Key));
        Assert.Equal(["r-1", "r-2", "r-3", "r-4", "r-5", "r-6"], (await host.LatestAsync(AcmeBooksStreams.Reviews, ct)).Select(r => r.Key));
    }

    [Fact]
    public async Task Deriver_summarizes_each_book_from_its_reviews()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var api = await FakeAcmeBooksApi.StartAsync();
        await using var host = await AcmeHost.StartAsync(await postgres.CreateDatabaseAsync("acme_derive"), AcmeHost.Settings(api), ct);
        var reports = await host.Runner.SyncSourceAsync(AcmeBooksOptions.DefaultName, options: null, ct);

        var derived = await host.DeriveAsync(reports, ct);

        Assert.Equal(["b-1", "b-2", "b-3", "b-4", "b-5"], derived);
        var dune = await RatingAsync(host, "b-1", ct);
        Assert.Equal("Dune", dune.GetProperty("title").GetString());
        Assert.Equal(3, dune.GetProperty("review_count").GetInt32());
        Assert.Equal(3.67, dune.GetProperty("average_rating").GetDouble());
        var unreviewed = await RatingAsync(host, "b-4", ct);
        Assert.Equal(0, unreviewed.GetProperty("review_count").GetInt32());
        Assert.Equal(JsonValueKind.Null, unreviewed.GetProperty("average_rating").ValueKind);
    }

    [Fact]
    public async Task Second_sync_of_unchanged_data_changes_nothing_and_derives_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var api = await FakeAcmeBooksApi.StartAsync();
        await using var host = await AcmeHost.StartAsync(await postgres.CreateDatabaseAsync("acme_again"), AcmeHost.Settings(api), ct);
        await host.Runner.SyncSourceAsync(AcmeBooksOptions.DefaultName, options: null, ct);

        // served_at differs on every response, but the connector ignores it when hashing.
        var again = await host.Runner.SyncSourceAsync(AcmeBooksOptions.DefaultName, options: null, ct);

        Assert.All(again, report =>
        {
            Assert.Equal(RunStatus.Succeeded, report.Status);
            Assert.Equal(0, report.RecordsNew);
            Assert.Equal(0, report.RecordsChanged);
        });
        Assert.Equal(5, again.Single(r => r.Stream == Books).RecordsUnchanged);
        Assert.Equal(6, again.Single(r => r.Stream == Reviews).RecordsUnchanged);
        var versions = new List<RawRecord>();
        await foreach (var version in host.RawStore.GetHistoryAsync(Books, "b-1", ct))
        {
            versions.Add(version);
        }

        Assert.Single(versions);
        Assert.Empty(await host.DeriveAsync(again, ct));
    }

    [Fact]
    public async Task A_changed_review_rederives_only_its_book()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var api = await FakeAcmeBooksApi.StartAsync();
        await using var host = await AcmeHost.StartAsync(await postgres.CreateDatabaseAsync("acme_change"), AcmeHost.Settings(api), ct);
        await host.DeriveAsync(await host.Runner.SyncSourceAsync(AcmeBooksOptions.DefaultName, options: null, ct), ct);

        api.Reviews["r-4"] = api.Reviews["r-4"] with { Rating = 1 };
        var reports = await host.Runner.SyncSourceAsync(AcmeBooksOptions.DefaultName, options: null, ct);

        Assert.Equal(1, reports.Single(r => r.Stream == Reviews).RecordsChanged);
        Assert.Equal(["b-2"], await host.DeriveAsync(reports, ct));
        Assert.Equal(1.0, (await RatingAsync(host, "b-2", ct)).GetProperty("average_rating").GetDouble());
        Assert.Equal(3.67, (await RatingAsync(host, "b-1", ct)).GetProperty("average_rating").GetDouble());
    }

    [Fact]
    public async Task A_book_gone_from_the_catalog_is_soft_deleted()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var api = await FakeAcmeBooksApi.StartAsync();
        await using var host = await AcmeHost.StartAsync(await postgres.CreateDatabaseAsync("acme_delete"), AcmeHost.Settings(api), ct);
        await host.Runner.SyncSourceAsync(AcmeBooksOptions.DefaultName, options: null, ct);

        Assert.True(api.Books.TryRemove("b-5", out _));
        var reports = await host.Runner.SyncSourceAsync(AcmeBooksOptions.DefaultName, options: null, ct);

        Assert.Equal(1, reports.Single(r => r.Stream == Books).RecordsDeleted);
        Assert.Equal(["b-1", "b-2", "b-3", "b-4"], (await host.LatestAsync(AcmeBooksStreams.Books, ct)).Select(r => r.Key));
        var kept = await host.RawStore.GetLatestAsync(Books, "b-5", ct);
        Assert.NotNull(kept?.DeletedAt);
    }

    [Fact]
    public async Task A_wrong_api_key_fails_the_run_with_an_unauthorized_issue_that_does_not_show_the_key()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var api = await FakeAcmeBooksApi.StartAsync();
        const string wrongKey = "not-the-key-93b1";
        await using var host = await AcmeHost.StartAsync(await postgres.CreateDatabaseAsync("acme_401"), AcmeHost.Settings(api, wrongKey), ct);

        var reports = await host.Runner.SyncSourceAsync(AcmeBooksOptions.DefaultName, options: null, ct);

        var books = Assert.Single(reports, r => r.Stream == Books);
        Assert.Equal(RunStatus.Failed, books.Status);
        Assert.Contains(books.Issues, issue => issue.Kind == IssueKind.Unauthorized);
        Assert.All(books.Issues, issue => Assert.DoesNotContain(wrongKey, issue.Message, StringComparison.Ordinal));

        // Nothing is lost: the failed page is kept as a partial record with its status, for retry; no book was stored.
        var failedPage = Assert.Single(await host.LatestAsync(AcmeBooksStreams.Books, ct));
        Assert.True(failedPage.IsPartial);
        Assert.Equal(401, failedPage.HttpStatusCode);
        Assert.DoesNotContain(wrongKey, failedPage.ErrorMessage ?? string.Empty, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_settings_stop_the_host_at_start_up_naming_each_configuration_key()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var api = await FakeAcmeBooksApi.StartAsync();
        var settings = AcmeHost.Settings(api, apiKey: null);
        settings["Ingestion:AcmeBooks:PageSize"] = "500";
        settings["Ingestion:AcmeBooks:BaseAddress"] = "ftp://books.example/";

        var database = await postgres.CreateDatabaseAsync("acme_bad");
        var thrown = await Record.ExceptionAsync(async () => await AcmeHost.StartAsync(database, settings, ct));

        // The host reports every failed options check at once (an AggregateException when more than one fails).
        var failures = (thrown is AggregateException aggregate ? aggregate.Flatten().InnerExceptions : [thrown!])
            .OfType<OptionsValidationException>()
            .SelectMany(e => e.Failures)
            .ToList();
        Assert.NotEmpty(failures);
        Assert.Contains(failures, f => f.Contains("Ingestion:AcmeBooks:ApiKey is required", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Ingestion:AcmeBooks:PageSize must be from 1 to 100; it is 500", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Ingestion:AcmeBooks:BaseAddress must be an absolute http or https address", StringComparison.Ordinal));
        Assert.Empty(api.Requests);
    }

    private static async Task<JsonElement> RatingAsync(AcmeHost host, string bookId, CancellationToken ct)
    {
        var stored = Assert.Single(await host.DerivedStore.GetAsync(AcmeBooksOptions.DefaultName + AcmeBooksStreams.RatingsDeriverSuffix, bookId, ct));
        Assert.Equal(BookRatingsDeriver.Kind, stored.Record.Kind);
        Assert.Equal("book:" + bookId, stored.Record.Key);
        return JsonDocument.Parse(stored.Record.Payload).RootElement.Clone();
    }
}
