using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Ingestion.Tests.Running;
using Ingestion.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Ingestion.Tests.Composition;

public sealed class RestSourceConfigurationKindsTests
{
    // Settings, the paginator type, then what it does: the first request, the next request after the response given (a JSON
    // body of two records, and a Link header when not null), as "METHOD /path?query body", or "stop".
    public static TheoryData<string, Type, string, string, string?, string> PaginatorKinds => new()
    {
        { "Kind=None", typeof(IPaginator), "GET /v1/products", """{"data":[1,2]}""", null, "stop" },
        {
            "Kind=OffsetLimit;PageSize=2;OffsetParameter=$skip;LimitParameter=$top", typeof(OffsetLimitPaginator),
            "GET /v1/products?%24skip=0&%24top=2", """{"data":[1,2]}""", null, "GET /v1/products?%24skip=2&%24top=2"
        },
        {
            "Kind=PageNumber;PageSize=2;SizeParameter=per_page;FirstPage=0;TotalPagesPath=$.pages", typeof(PageNumberPaginator),
            "GET /v1/products?page=0&per_page=2", """{"pages":3,"data":[1,2]}""", null, "GET /v1/products?page=1&per_page=2"
        },
        {
            "Kind=Cursor;TokenPath=$.next_cursor;Parameter=cursor;HasMorePath=$.has_more", typeof(CursorPaginator),
            "GET /v1/products", """{"next_cursor":"c2","has_more":true,"data":[1,2]}""", null, "GET /v1/products?cursor=c2"
        },
        {
            "Kind=NextUrl;UrlPath=$['@odata.nextLink']", typeof(NextUrlPaginator),
            "GET /v1/products", """{"@odata.nextLink":"https://api.example.com/v1/products?$skiptoken=p2","data":[1,2]}""", null, "GET /v1/products?$skiptoken=p2"
        },
        {
            "Kind=link-header", typeof(LinkHeaderPaginator),
            "GET /v1/products", """{"data":[1,2]}""", "<https://api.example.com/v1/products?page=2>; rel=\"next\"", "GET /v1/products?page=2"
        },
        {
            "Kind=GraphQLRelay;PageInfoPath=$.data.orders.pageInfo", typeof(GraphQLRelayPaginator),
            """POST /v1/products {"query":"q"}""", """{"data":{"orders":{"pageInfo":{"hasNextPage":true,"endCursor":"c2"},"nodes":[1,2]}}}""", null,
            """POST /v1/products {"query":"q","variables":{"after":"c2"}}"""
        },
    };

    [Theory]
    [MemberData(nameof(PaginatorKinds))]
    public async Task Every_paginator_kind_can_be_configured_and_pages_with_its_settings(string settings, Type expected, string first, string body, string? link, string next)
    {
        var values = Source();
        foreach (var pair in settings.Split(';'))
        {
            var (key, value) = (pair[..pair.IndexOf('=')], pair[(pair.IndexOf('=') + 1)..]);
            values[$"Sources:catalog:Streams:products:Paginator:{key}"] = value;
        }

        if (expected == typeof(GraphQLRelayPaginator))
        {
            values["Sources:catalog:Streams:products:Method"] = "POST";
            values["Sources:catalog:Streams:products:Body"] = """{"query":"q"}""";
        }

        var source = await StartAndReadAsync(values);
        var stream = source.Streams.Single();
        var paginator = stream.Paginator;
        var firstRequest = paginator.PrepareFirst(new PageRequest(stream.Method, new Uri(source.BaseAddress, stream.Path), stream.Body));
        var decision = paginator.Next(firstRequest, Paging.PagingTestData.Response(body, 2, link is null ? [] : [("Link", link)]));

        Assert.IsAssignableFrom(expected, paginator);
        Assert.Equal(first, Describe(firstRequest));
        Assert.Equal(next, decision.IsStop ? "stop" : Describe(decision.NextRequest!));
    }

    // What goes on the wire for each auth kind, as sent to a loopback API: the one credential header (or query parameter)
    // and its value. {api} is the API's address, where the token and login endpoints live.
    public static TheoryData<string, string, string> AuthKinds => new()
    {
        { "Kind=ApiKey;Name=X-Api-Key;Value=k", "X-Api-Key", "k" },
        { "Kind=ApiKey;Name=api_key;Value=k;Location=Query", "?api_key", "k" },
        { "Kind=Bearer;Token=t", "Authorization", "Bearer t" },
        { "Kind=Basic;UserName=u;Password=p:w", "Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("u:p:w")) },
        { "Kind=OAuth2ClientCredentials;TokenUrl={api}oauth/token;ClientId=c;ClientSecret=s;Scope=read", "Authorization", "Bearer t1" },
        { "Kind=SessionLogin;LoginUrl=auth/login;Body={\"user\":\"u\"};Cookie=JSESSIONID", "Cookie", "JSESSIONID=s1" },
        { "Kind=SessionLogin;LoginUrl=auth/login;Body={\"user\":\"u\"};TokenPath=$.session.token;HeaderName=X-Session;ValuePrefix=", "X-Session", "s1" },
    };

    [Theory]
    [MemberData(nameof(AuthKinds))]
    public async Task Every_auth_kind_sends_its_credential_on_the_wire(string settings, string where, string value)
    {
        await using var api = await AuthApi.StartAsync();
        await using var host = await StartHostAsync(AuthSource(api.Server.BaseAddress, settings), new FakeTimeProvider(T0));

        var report = await SyncAsync(host);

        Assert.Equal(RunStatus.Succeeded, report.Status);
        var seen = Assert.Single(api.Products);
        var credentials = seen.Where(c => c.Value is not null).ToDictionary(c => c.Key, c => c.Value);
        Assert.Equal(new Dictionary<string, string?> { [where] = value }, credentials);
    }

    [Fact]
    public async Task An_oauth2_token_is_requested_with_the_client_credentials_and_renewed_only_at_expiry_minus_the_skew()
    {
        // The token endpoint grants 600 s; with a two-minute skew the token is renewed from 480 s on.
        var time = new FakeTimeProvider(T0);
        await using var api = await AuthApi.StartAsync();
        await using var host = await StartHostAsync(
            AuthSource(api.Server.BaseAddress, "Kind=OAuth2ClientCredentials;TokenUrl=oauth/token;ClientId=c;ClientSecret=s;Scope=read;ExpirySkew=00:02:00"), time);

        await SyncAsync(host);
        time.Advance(TimeSpan.FromSeconds(479));
        await SyncAsync(host);
        time.Advance(TimeSpan.FromSeconds(1));
        await SyncAsync(host);

        Assert.Equal(["Bearer t1", "Bearer t1", "Bearer t2"], api.Products.Select(p => p["Authorization"]));
        Assert.Equal(2, api.Server.CountFor("/oauth/token"));
        Assert.All(api.TokenForms, form => Assert.Equal("grant_type=client_credentials&client_id=c&client_secret=s&scope=read", form));
    }

    [Fact]
    public async Task A_session_login_posts_the_configured_body_once_and_reuses_the_session()
    {
        await using var api = await AuthApi.StartAsync();
        await using var host = await StartHostAsync(
            AuthSource(api.Server.BaseAddress, "Kind=SessionLogin;LoginUrl=auth/login;Body={\"user\":\"u\"};BodyContentType=application/json;Cookie=JSESSIONID"),
            new FakeTimeProvider(T0));

        await SyncAsync(host);
        await SyncAsync(host);

        Assert.Equal([("application/json; charset=utf-8", """{"user":"u"}""")], api.Logins);
        Assert.Equal(["JSESSIONID=s1", "JSESSIONID=s1"], api.Products.Select(p => p["Cookie"]));
    }

    [Fact]
    public async Task Missing_and_malformed_kind_settings_are_named_by_path_without_echoing_secrets()
    {
        var values = Source();
        values["Sources:catalog:Streams:products:Paginator:Kind"] = "PageNumber";
        values["Sources:catalog:Streams:products:Paginator:PageSize"] = "0";
        values["Sources:catalog:Streams:products:Paginator:FirstPage"] = "2";
        values["Sources:catalog:Streams:products:Paginator:Extra"] = "x";
        values["Sources:catalog:Auth:Kind"] = "OAuth2ClientCredentials";
        values["Sources:catalog:Auth:ClientSecret"] = "super-secret-value";

        var message = await CompositionTests.StartupErrorAsync(
            ingestion => ingestion.AddRestSource("catalog", new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("Sources:catalog")));

        Assert.Contains("Sources:catalog:Streams:products:Paginator:PageSize: must be greater than zero", message, StringComparison.Ordinal);
        Assert.Contains("Sources:catalog:Streams:products:Paginator:FirstPage: must be 0 or 1", message, StringComparison.Ordinal);
        Assert.Contains("Sources:catalog:Streams:products:Paginator:Extra: unknown setting 'Extra'", message, StringComparison.Ordinal);
        Assert.Contains("Sources:catalog:Auth:TokenUrl: is required for OAuth2ClientCredentials", message, StringComparison.Ordinal);
        Assert.Contains("Sources:catalog:Auth:ClientId: is required for OAuth2ClientCredentials", message, StringComparison.Ordinal);
        Assert.DoesNotContain("super-secret-value", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_source_defined_only_in_configuration_syncs_every_page_over_http_with_its_credentials()
    {
        var seenKeys = new List<string?>();
        await using var server = await TestHttpServer.StartAsync(app => app.MapGet("/v1/products", (HttpContext context) =>
        {
            lock (seenKeys)
            {
                seenKeys.Add(context.Request.Headers["X-Api-Key"]);
            }

            var page = int.Parse(context.Request.Query["page"]!, System.Globalization.CultureInfo.InvariantCulture);
            var items = Enumerable.Range(((page - 1) * 2) + 1, page < 3 ? 2 : 1).Select(id => new { id, name = $"product {id}" });
            return Results.Json(new { data = items, pages = 3 });
        }));

        var values = new Dictionary<string, string?>
        {
            ["Sources:catalog:BaseAddress"] = server.BaseAddress.ToString(),
            ["Sources:catalog:Auth:Kind"] = "ApiKey",
            ["Sources:catalog:Auth:Name"] = "X-Api-Key",
            ["Sources:catalog:Auth:Value"] = "key-123",
            ["Sources:catalog:Streams:products:Path"] = "v1/products",
            ["Sources:catalog:Streams:products:Records"] = "$.data",
            ["Sources:catalog:Streams:products:Paginator:Kind"] = "PageNumber",
            ["Sources:catalog:Streams:products:Paginator:PageSize"] = "2",
            ["Sources:catalog:Streams:products:Paginator:SizeParameter"] = "per_page",
            ["Sources:catalog:Streams:products:Paginator:TotalPagesPath"] = "$.pages",
        };
        var stores = new InTestStores();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddIngestion(ingestion =>
        {
            ingestion.Services.AddSingleton<IRawStore>(stores);
            ingestion.Services.AddSingleton<ISyncStateStore>(stores);
            ingestion.Services.AddSingleton<IRunLog>(stores);
            ingestion.Services.AddSingleton<IHealthStore>(stores);
            ingestion.AddRestSource("catalog", new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("Sources:catalog"));
        });
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);

        var report = Assert.Single(await host.Services.GetRequiredService<ISyncRunner>()
            .SyncStreamAsync("catalog", "products", null, TestContext.Current.CancellationToken));

        Assert.Equal(RunStatus.Succeeded, report.Status);
        Assert.Equal(3, report.Pages);
        Assert.Equal(5, report.RecordsNew);
        Assert.Equal(["key-123", "key-123", "key-123"], seenKeys);
        Assert.Equal(3, server.Requests.Count);
        Assert.All(server.Requests.Zip([1, 2, 3]), request =>
        {
            Assert.Contains($"page={request.Second}", request.First, StringComparison.Ordinal);
            Assert.Contains("per_page=2", request.First, StringComparison.Ordinal);
        });
        var stored = await stores.GetLatestAsync(new StreamId("catalog", "products"), "5", TestContext.Current.CancellationToken);
        Assert.Equal("product 5", JsonDocument.Parse(stored!.Payload.ToArray()).RootElement.GetProperty("name").GetString());
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    private static Dictionary<string, string?> Source() => new()
    {
        ["Sources:catalog:BaseAddress"] = "https://api.example.com/",
        ["Sources:catalog:Streams:products:Path"] = "v1/products",
    };

    [Fact]
    public async Task A_configured_stream_reads_the_statuses_and_empty_bodies_that_mean_no_data()
    {
        var values = new Dictionary<string, string?>(Source())
        {
            ["Sources:catalog:Streams:products:NoDataOn:0"] = "404",
            ["Sources:catalog:Streams:products:NoDataOn:1"] = "Gone",
            ["Sources:catalog:Streams:products:EmptyBodyMeansNoData"] = "true",
        };

        var stream = (await StartAndReadAsync(values)).FindStream("products")!;

        Assert.Equal([404, 410], stream.NoDataStatusCodes.Order());
        Assert.True(stream.EmptyBodyMeansNoData);
        Assert.Empty((await StartAndReadAsync(new Dictionary<string, string?>(Source()))).FindStream("products")!.NoDataStatusCodes);
    }

    [Fact]
    public async Task A_no_data_status_that_is_not_an_error_status_names_its_path()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>(Source())
        {
            ["Sources:catalog:Streams:products:NoDataOn:0"] = "200",
        }).Build();

        var message = await CompositionTests.StartupErrorAsync(ingestion => ingestion.AddRestSource("catalog", configuration.GetSection("Sources:catalog")));

        Assert.Contains("Sources:catalog:Streams:products:NoDataOn: '200' is not an HTTP status from 300 to 599", message, StringComparison.Ordinal);
    }

    private static async Task<SourceDefinition> StartAndReadAsync(Dictionary<string, string?> values)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        var stores = new InTestStores();
        builder.Services.AddIngestion(ingestion =>
        {
            ingestion.Services.AddSingleton<IRawStore>(stores);
            ingestion.Services.AddSingleton<ISyncStateStore>(stores);
            ingestion.Services.AddSingleton<IRunLog>(stores);
            ingestion.Services.AddSingleton<IHealthStore>(stores);
            ingestion.AddRestSource("catalog", new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("Sources:catalog"));
        });
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        var source = host.Services.GetRequiredService<ISourceCatalog>().Find("catalog")!;
        await host.StopAsync(TestContext.Current.CancellationToken);
        return source;
    }

    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);

    // "METHOD /path?query body", with the query's parameters sorted: their order means nothing to an API.
    private static string Describe(PageRequest request)
    {
        var query = request.Uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal);
        var body = request.Body.IsEmpty ? "" : " " + Encoding.UTF8.GetString(request.Body.Span);
        return $"{request.Method} {request.Uri.AbsolutePath}{(query.Any() ? "?" + string.Join('&', query) : "")}{body}";
    }

    private static Dictionary<string, string?> AuthSource(Uri api, string settings)
    {
        var values = new Dictionary<string, string?>
        {
            ["Sources:catalog:BaseAddress"] = api.ToString(),
            ["Sources:catalog:Streams:products:Path"] = "v1/products",
            ["Sources:catalog:Streams:products:Records"] = "$.data",
        };
        foreach (var pair in settings.Split(';'))
        {
            values[$"Sources:catalog:Auth:{pair[..pair.IndexOf('=')]}"] = pair[(pair.IndexOf('=') + 1)..].Replace("{api}", api.ToString(), StringComparison.Ordinal);
        }

        return values;
    }

    private static async Task<StartedHost> StartHostAsync(Dictionary<string, string?> values, TimeProvider time)
    {
        var stores = new InTestStores();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton(time);
        builder.Services.AddIngestion(ingestion =>
        {
            ingestion.Services.AddSingleton<IRawStore>(stores);
            ingestion.Services.AddSingleton<ISyncStateStore>(stores);
            ingestion.Services.AddSingleton<IRunLog>(stores);
            ingestion.Services.AddSingleton<IHealthStore>(stores);
            ingestion.AddRestSource("catalog", new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("Sources:catalog"));
        });
        var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        return new StartedHost(host);
    }

    private static async Task<SyncReport> SyncAsync(StartedHost host) =>
        Assert.Single(await host.Host.Services.GetRequiredService<ISyncRunner>().SyncStreamAsync("catalog", "products", null, TestContext.Current.CancellationToken));

    private sealed record StartedHost(IHost Host) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Host.StopAsync(CancellationToken.None);
            Host.Dispose();
        }
    }

    /// <summary>
    /// A loopback API with a token endpoint (issuing t1, t2, ... for 600 s), a login endpoint (session s1, s2, ... as a cookie
    /// and in the JSON body) and one products page, recording the credentials each products request carried.
    /// </summary>
    private sealed class AuthApi : IAsyncDisposable
    {
        private static readonly string[] CredentialHeaders = ["Authorization", "X-Api-Key", "Cookie", "X-Session"];
        private readonly ConcurrentQueue<Dictionary<string, string?>> _products = new();
        private readonly ConcurrentQueue<string> _tokenForms = new();
        private readonly ConcurrentQueue<(string?, string)> _logins = new();
        private int _tokens;
        private int _sessions;

        public TestHttpServer Server { get; private set; } = null!;

        // The credentials each products request carried: every credential header, and the api_key query parameter as "?api_key".
        public IReadOnlyList<Dictionary<string, string?>> Products => [.. _products];

        public IReadOnlyList<string> TokenForms => [.. _tokenForms];

        public IReadOnlyList<(string? ContentType, string Body)> Logins => [.. _logins];

        public static async Task<AuthApi> StartAsync()
        {
            var api = new AuthApi();
            api.Server = await TestHttpServer.StartAsync(app =>
            {
                app.MapPost("/oauth/token", async (HttpContext context) =>
                {
                    api._tokenForms.Enqueue(await new StreamReader(context.Request.Body).ReadToEndAsync(context.RequestAborted));
                    var token = "t" + Interlocked.Increment(ref api._tokens).ToString(CultureInfo.InvariantCulture);
                    return Results.Json(new { access_token = token, token_type = "Bearer", expires_in = 600 });
                });
                app.MapPost("/auth/login", async (HttpContext context) =>
                {
                    api._logins.Enqueue((context.Request.ContentType, await new StreamReader(context.Request.Body).ReadToEndAsync(context.RequestAborted)));
                    var session = "s" + Interlocked.Increment(ref api._sessions).ToString(CultureInfo.InvariantCulture);
                    context.Response.Headers.SetCookie = $"JSESSIONID={session}; Path=/; HttpOnly";
                    return Results.Json(new { session = new { token = session } });
                });
                app.MapGet("/v1/products", (HttpContext context) =>
                {
                    var credentials = CredentialHeaders.ToDictionary(name => name, name => (string?)context.Request.Headers[name].FirstOrDefault(), StringComparer.Ordinal);
                    credentials["?api_key"] = context.Request.Query["api_key"].FirstOrDefault();
                    api._products.Enqueue(credentials);
                    return Results.Json(new { data = new[] { new { id = 1 } } });
                });
            });
            return api;
        }

        public ValueTask DisposeAsync() => Server.DisposeAsync();
    }
}
