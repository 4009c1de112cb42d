using System.Collections.Concurrent;
using System.Text;
using Ingestion.Fetching.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Ingestion.Tests.Fetching;

/// <summary>
/// A source's credentials go to its own hosts only. A second loopback server plays a foreign host and records everything
/// it receives: a next URL, a <c>Link</c> header or a redirect pointing there must not reach it, and an allow-listed
/// redirect reaches it without any credential.
/// </summary>
public sealed class CredentialContainmentTests : IAsyncLifetime
{
    private const string CustomSecret = "custom-header-secret";
    private const string StreamSecret = "stream-header-secret";

    // Every credential value a source below may hold, in the form it would take on the wire.
    private static readonly string[] Secrets =
    [
        "bearer-secret", "apikey-secret", "basic-secret", Convert.ToBase64String(Encoding.UTF8.GetBytes("user:basic-secret")),
        "client-secret", "oauth-access-token", "session-cookie-value", "session-token-value", CustomSecret, StreamSecret,
    ];

    private readonly ConcurrentQueue<string> _foreignReceived = new();
    private TestHttpServer _home = null!;
    private TestHttpServer _foreign = null!;

    public static TheoryData<string> AuthKinds => ["bearer", "api-key-header", "api-key-query", "basic", "oauth2", "session-cookie", "session-token", "custom-headers-only"];

    public async ValueTask InitializeAsync()
    {
        _foreign = await TestHttpServer.StartAsync(app => app.Map("/{**path}", async (HttpContext context) =>
        {
            var seen = new StringBuilder($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}");
            foreach (var (name, values) in context.Request.Headers)
            {
                seen.Append('\n').Append(name).Append(": ").Append(values.ToString());
            }

            _foreignReceived.Enqueue(seen.ToString());
            await TestHttp.WriteJsonAsync(context, """{"data":[{"id":"foreign"}]}""");
        }));

        _home = await TestHttpServer.StartAsync(app =>
        {
            app.MapPost("/oauth/token", () => Results.Json(new { access_token = "oauth-access-token", token_type = "Bearer", expires_in = 3600 }));
            app.MapPost("/login", (HttpContext context) =>
            {
                context.Response.Headers.SetCookie = "sid=session-cookie-value; Path=/";
                return Results.Json(new { token = "session-token-value" });
            });
            app.MapGet("/next-url", () => Results.Text($$"""{"data":[{"id":"home"}],"next":"{{_foreign.Url("steal?page=2&api_key=leak")}}"}""", "application/json"));
            app.MapGet("/link", (HttpContext context) =>
            {
                context.Response.Headers.Link = $"<{_foreign.Url("steal?page=2")}>; rel=\"next\"";
                return Results.Text("""{"data":[{"id":"home"}]}""", "application/json");
            });
            // Echoes the request's query into the Location, as an API that builds redirects from the incoming URL does.
            app.MapGet("/redirect", (HttpContext context) => Results.Redirect(_foreign.Url("steal").ToString() + context.Request.QueryString));
            app.MapGet("/same-host-redirect", () => Results.Redirect("/landing"));
            app.MapGet("/landing", (HttpContext context) => Results.Text(
                $$"""{"data":[{"id":"landed","authorization":"{{context.Request.Headers.Authorization}}","key":"{{context.Request.Query["api_key"]}}","custom":"{{context.Request.Headers["X-Tenant-Secret"]}}"}]}""",
                "application/json"));
            app.MapGet("/loop", () => Results.Redirect("/loop"));
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _home.DisposeAsync();
        await _foreign.DisposeAsync();
    }

    [Theory]
    [MemberData(nameof(AuthKinds))]
    public async Task A_next_url_to_another_host_stops_paging_with_an_issue_and_the_host_receives_nothing(string auth)
    {
        await using var harness = new FetcherHarness();
        var stream = Stream("next-url", Paginators.NextUrl("$.next"));
        var pages = await harness.FetchAllAsync(Source(auth, stream), stream, cancellationToken: TestContext.Current.CancellationToken);

        var page = Assert.Single(pages);
        Assert.Equal(FetchStatus.Success, page.Outcome.Status);
        Assert.Equal("home", Assert.Single(page.Records).Key);
        Assert.Equal(PageStopReason.UntrustedHost, page.Page.StopReason);
        var issue = Assert.Single(page.Page.Issues, i => i.Kind == IssueKind.UntrustedHost);
        Assert.Contains(_foreign.BaseAddress.Authority, issue.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("steal", issue.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("leak", issue.Message, StringComparison.Ordinal);
        Assert.Empty(_foreignReceived);
    }

    [Theory]
    [MemberData(nameof(AuthKinds))]
    public async Task A_link_header_to_another_host_stops_paging_with_an_issue_and_the_host_receives_nothing(string auth)
    {
        await using var harness = new FetcherHarness();
        var stream = Stream("link", Paginators.LinkHeader());
        var pages = await harness.FetchAllAsync(Source(auth, stream), stream, cancellationToken: TestContext.Current.CancellationToken);

        var page = Assert.Single(pages);
        Assert.Equal(PageStopReason.UntrustedHost, page.Page.StopReason);
        Assert.Contains(page.Page.Issues, i => i.Kind == IssueKind.UntrustedHost && i.Message.Contains(_foreign.BaseAddress.Authority, StringComparison.Ordinal));
        Assert.Empty(_foreignReceived);
    }

    [Theory]
    [MemberData(nameof(AuthKinds))]
    public async Task A_redirect_to_another_host_is_refused_with_an_issue_and_the_host_receives_nothing(string auth)
    {
        await using var harness = new FetcherHarness();
        var stream = Stream("redirect");
        var pages = await harness.FetchAllAsync(Source(auth, stream), stream, cancellationToken: TestContext.Current.CancellationToken);

        var page = Assert.Single(pages);
        Assert.Equal(FetchStatus.ClientError, page.Outcome.Status);
        Assert.Equal(PageStopReason.Failed, page.Page.StopReason);
        var issue = Assert.Single(page.Page.Issues);
        Assert.Equal(IssueKind.UntrustedHost, issue.Kind);
        Assert.Contains(_foreign.BaseAddress.Authority, issue.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("apikey-secret", issue.Message, StringComparison.Ordinal);
        Assert.Empty(_foreignReceived);
    }

    [Theory]
    [MemberData(nameof(AuthKinds))]
    public async Task A_redirect_to_an_allowed_host_is_followed_without_any_credential(string auth)
    {
        await using var harness = new FetcherHarness();
        var stream = Stream("redirect");
        var pages = await harness.FetchAllAsync(Source(auth, stream, allowedHosts: [_foreign.BaseAddress.Authority]), stream, cancellationToken: TestContext.Current.CancellationToken);

        var page = Assert.Single(pages);
        Assert.Equal(FetchStatus.Success, page.Outcome.Status);
        Assert.Equal("foreign", Assert.Single(page.Records).Key);
        var received = Assert.Single(_foreignReceived);
        Assert.StartsWith("GET /steal", received, StringComparison.Ordinal);
        Assert.All(Secrets, secret => Assert.DoesNotContain(secret, received, StringComparison.Ordinal));
        Assert.DoesNotContain("api_key", received, StringComparison.Ordinal);
        Assert.DoesNotContain("Authorization", received, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_next_url_to_an_allowed_host_is_followed_as_part_of_the_api()
    {
        await using var harness = new FetcherHarness();
        var stream = Stream("next-url", Paginators.NextUrl("$.next"));
        var pages = await harness.FetchAllAsync(Source("bearer", stream, allowedHosts: [_foreign.BaseAddress.Authority]), stream, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(["home", "foreign"], pages.SelectMany(p => p.Records).Select(r => r.Key));
        Assert.Contains("Bearer bearer-secret", Assert.Single(_foreignReceived), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bearer")]
    [InlineData("api-key-query")]
    public async Task A_redirect_on_the_same_host_is_followed_with_the_sources_credentials_and_headers(string auth)
    {
        await using var harness = new FetcherHarness();
        var stream = Stream("same-host-redirect");
        var pages = await harness.FetchAllAsync(Source(auth, stream), stream, cancellationToken: TestContext.Current.CancellationToken);

        var page = Assert.Single(pages);
        Assert.Equal(FetchStatus.Success, page.Outcome.Status);
        Assert.Empty(page.Page.Issues);
        var landed = Assert.Single(page.Records).Json;
        Assert.Contains(auth == "bearer" ? "\"authorization\":\"Bearer bearer-secret\"" : "\"key\":\"apikey-secret\"", landed, StringComparison.Ordinal);
        Assert.Contains($"\"custom\":\"{CustomSecret}\"", landed, StringComparison.Ordinal);
        Assert.Equal(1, _home.CountFor("/landing"));
    }

    [Fact]
    public async Task A_redirect_loop_stops_after_the_redirect_limit_with_an_issue_that_says_so()
    {
        await using var harness = new FetcherHarness();
        var stream = Stream("loop");
        var pages = await harness.FetchAllAsync(Source("bearer", stream), stream, cancellationToken: TestContext.Current.CancellationToken);

        var page = Assert.Single(pages);
        Assert.Equal(FetchStatus.ClientError, page.Outcome.Status);
        var issue = Assert.Single(page.Page.Issues);
        Assert.Equal(IssueKind.TooManyRedirects, issue.Kind);
        Assert.Contains("too many redirects: more than 5", issue.Message, StringComparison.Ordinal);
        Assert.Equal(6, _home.CountFor("/loop"));
    }

    [Fact]
    public async Task A_source_from_configuration_ends_partial_with_the_refusal_on_its_run_and_deletes_nothing()
    {
        var values = new Dictionary<string, string?>
        {
            ["Sources:vendor:BaseAddress"] = _home.BaseAddress.ToString(),
            ["Sources:vendor:Auth:Kind"] = "Bearer",
            ["Sources:vendor:Auth:Token"] = "bearer-secret",
            ["Sources:vendor:Streams:items:Path"] = "next-url",
            ["Sources:vendor:Streams:items:Records"] = "$.data",
            ["Sources:vendor:Streams:items:Paginator:Kind"] = "NextUrl",
            ["Sources:vendor:Streams:items:Paginator:UrlPath"] = "$.next",
        };
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddIngestion(ingestion => ingestion.UseInMemoryStores()
            .AddRestSource("vendor", new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("Sources:vendor")));
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);

        var report = Assert.Single(await host.Services.GetRequiredService<ISyncRunner>().SyncStreamAsync("vendor", "items", null, TestContext.Current.CancellationToken));

        Assert.Equal(RunStatus.Partial, report.Status);
        Assert.Equal(1, report.RecordsNew);
        Assert.Equal(0, report.RecordsDeleted);
        Assert.Contains(report.Issues, i => i.Kind == IssueKind.UntrustedHost);
        Assert.Empty(_foreignReceived);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public void An_allowed_host_with_a_scheme_or_path_stops_the_host_at_start_naming_the_entry()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddIngestion(ingestion => ingestion.UseInMemoryStores().AddRestSource("vendor", source => source
            .BaseAddress(_home.BaseAddress)
            .AllowHosts("cdn.example.com", "https://files.example.com/")
            .Stream("items", s => s.Get("items").Records("$.data"))));
        using var host = builder.Build();

        var error = Assert.ThrowsAny<Exception>(() => host.StartAsync(TestContext.Current.CancellationToken).GetAwaiter().GetResult());

        Assert.Contains("AllowedHosts[1] 'https://files.example.com/'", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("AllowedHosts[0]", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://api.example.com/v1/", "https://api.example.com/v1/items?page=2", "own")]
    [InlineData("https://api.example.com/v1/", "http://api.example.com/v1/items?page=2", "refused")]
    [InlineData("https://api.example.com/v1/", "https://api.example.com:8443/v1/items", "refused")]
    [InlineData("https://api.example.com/v1/", "https://files.example.com/a", "allowed")]
    [InlineData("https://api.example.com/v1/", "https://eu.cdn.example.net/a", "allowed")]
    [InlineData("https://api.example.com/v1/", "https://cdn.example.net/a", "refused")]
    [InlineData("https://api.example.com/v1/", "https://reports.example.com:9000/a", "allowed")]
    [InlineData("https://api.example.com/v1/", "https://reports.example.com/a", "refused")]
    [InlineData("https://api.example.com/v1/", "https://tracking.example.com/v2/entries?x=1", "own")]
    [InlineData("https://api.example.com/v1/", "ftp://api.example.com/v1/", "refused")]
    public void Host_trust_follows_the_documented_rules(string from, string target, string expected)
    {
        var trust = new HostTrust(new SourceDefinition
        {
            Name = "vendor",
            BaseAddress = new Uri("https://api.example.com/v1/"),
            AllowedHosts = ["files.example.com", "*.cdn.example.net", "reports.example.com:9000"],
            Streams = [new StreamDefinition { Name = "entries", Path = "https://tracking.example.com/v2/entries" }],
        });

        var level = trust.Judge(new Uri(from), new Uri(target), out var reason);
        Assert.Equal(expected, level.ToString().ToLowerInvariant());
        Assert.Equal(expected == "refused", reason.Length > 0);
    }

    private static StreamDefinition Stream(string path, IPaginator? paginator = null) => new()
    {
        Name = "items",
        Path = path,
        Paginator = paginator ?? Paginators.None(),
        Records = new DataArraySelector(),
        Headers = new Dictionary<string, string> { ["X-Stream-Secret"] = StreamSecret },
    };

    private SourceDefinition Source(string auth, StreamDefinition stream, string[]? allowedHosts = null) => new()
    {
        Name = "vendor",
        BaseAddress = _home.BaseAddress,
        Authenticator = auth switch
        {
            "bearer" => Authenticators.Bearer("bearer-secret"),
            "api-key-header" => Authenticators.ApiKey("X-Api-Key", "apikey-secret"),
            "api-key-query" => Authenticators.ApiKey("api_key", "apikey-secret", ApiKeyLocation.Query),
            "basic" => Authenticators.Basic("user", "basic-secret"),
            "oauth2" => Authenticators.OAuth2ClientCredentials(_home.Url("oauth/token").ToString(), "client-id", "client-secret"),
            "session-cookie" => Authenticators.SessionLogin(_home.Url("login").ToString(), () => new StringContent("{}"), SessionToken.Cookie("sid")),
            "session-token" => Authenticators.SessionLogin(_home.Url("login").ToString(), () => new StringContent("{}"), SessionToken.JsonToken("$.token")),
            _ => null,
        },
        DefaultHeaders = new Dictionary<string, string> { ["X-Tenant-Secret"] = CustomSecret },
        Resilience = FetcherHarness.FastRetries(),
        AllowedHosts = allowedHosts ?? [],
        Streams = [stream],
    };
}
