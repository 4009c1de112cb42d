using System.Text.Json;
using Ingestion.Tests.Running;
using Ingestion.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Ingestion.Tests.Composition;

public sealed class RestSourceConfigurationKindsTests
{
    public static TheoryData<string, Type> PaginatorKinds => new()
    {
        { "Kind=None", typeof(IPaginator) },
        { "Kind=OffsetLimit;PageSize=50;OffsetParameter=$skip;LimitParameter=$top", typeof(OffsetLimitPaginator) },
        { "Kind=PageNumber;PageSize=25;SizeParameter=per_page;FirstPage=0;TotalPagesPath=$.pages", typeof(PageNumberPaginator) },
        { "Kind=Cursor;TokenPath=$.next_cursor;Parameter=cursor;HasMorePath=$.has_more", typeof(CursorPaginator) },
        { "Kind=NextUrl;UrlPath=$['@odata.nextLink']", typeof(NextUrlPaginator) },
        { "Kind=link-header", typeof(LinkHeaderPaginator) },
        { "Kind=GraphQLRelay;PageInfoPath=$.data.orders.pageInfo", typeof(GraphQLRelayPaginator) },
    };

    [Theory]
    [MemberData(nameof(PaginatorKinds))]
    public async Task Every_paginator_kind_can_be_configured(string settings, Type expected)
    {
        var values = Source();
        foreach (var pair in settings.Split(';'))
        {
            var (key, value) = (pair[..pair.IndexOf('=')], pair[(pair.IndexOf('=') + 1)..]);
            values[$"Sources:catalog:Streams:products:Paginator:{key}"] = value;
        }

        var paginator = (await StartAndReadAsync(values)).Streams.Single().Paginator;

        Assert.IsAssignableFrom(expected, paginator);
    }

    public static TheoryData<string> AuthKinds => new()
    {
        "Kind=ApiKey;Name=X-Api-Key;Value=k",
        "Kind=ApiKey;Name=api_key;Value=k;Location=Query",
        "Kind=Bearer;Token=t",
        "Kind=Basic;UserName=u;Password=p",
        "Kind=OAuth2ClientCredentials;TokenUrl=https://id.example.com/token;ClientId=c;ClientSecret=s;ExpirySkew=00:02:00",
        "Kind=SessionLogin;LoginUrl=auth/login;Body={\"user\":\"u\"};Cookie=JSESSIONID",
        "Kind=SessionLogin;LoginUrl=auth/login;Body={\"user\":\"u\"};TokenPath=$.token;HeaderName=X-Session;ValuePrefix=",
    };

    [Theory]
    [MemberData(nameof(AuthKinds))]
    public async Task Every_auth_kind_can_be_configured(string settings)
    {
        var values = Source();
        foreach (var pair in settings.Split(';'))
        {
            values[$"Sources:catalog:Auth:{pair[..pair.IndexOf('=')]}"] = pair[(pair.IndexOf('=') + 1)..];
        }

        Assert.NotNull((await StartAndReadAsync(values)).Authenticator);
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
}
