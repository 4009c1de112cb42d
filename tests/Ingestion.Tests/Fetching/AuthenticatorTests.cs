using System.Globalization;
using System.Text;
using Ingestion.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using static Ingestion.Tests.Fetching.FetcherHarness;

namespace Ingestion.Tests.Fetching;

public sealed class AuthenticatorTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>A token endpoint issuing t1, t2, ... and an API that accepts only the tokens in <paramref name="accepted"/>.</summary>
    private static Task<TestHttpServer> OAuthServer(Func<string, bool> accepted, int expiresIn = 3600, Action<IFormCollection>? onTokenRequest = null)
    {
        var issued = 0;
        return TestHttpServer.StartAsync(app =>
        {
            app.MapPost("/oauth/token", async context =>
            {
                var form = await context.Request.ReadFormAsync(context.RequestAborted);
                onTokenRequest?.Invoke(form);
                var token = "t" + Interlocked.Increment(ref issued).ToString(CultureInfo.InvariantCulture);
                await TestHttp.WriteJsonAsync(context, $"{{\"access_token\":\"{token}\",\"token_type\":\"Bearer\",\"expires_in\":{expiresIn}}}");
            });
            app.MapGet("/items", context =>
            {
                var header = context.Request.Headers.Authorization.ToString();
                return header.StartsWith("Bearer ", StringComparison.Ordinal) && accepted(header["Bearer ".Length..])
                    ? TestHttp.WriteJsonAsync(context, Page(1, 1))
                    : TestHttp.WriteJsonAsync(context, "{}", 401);
            });
        });
    }

    [Fact]
    public async Task A_401_refreshes_the_oauth2_token_once_and_the_request_succeeds()
    {
        await using var harness = new FetcherHarness();
        await using var server = await OAuthServer(token => token != "t1");
        var source = Source(server.BaseAddress, Stream(), Authenticators.OAuth2ClientCredentials("oauth/token", "client", "shh-secret"));

        var page = Assert.Single(await harness.FetchAllAsync(source, Stream(), cancellationToken: Token));

        Assert.True(page.Outcome.IsSuccess, page.Outcome.Error);
        Assert.Equal(2, server.CountFor("/oauth/token"));
        Assert.Equal(2, server.CountFor("/items"));
        Assert.Equal(2, page.Page.RequestCount);
        Assert.Contains("attempt 1: 401 Unauthorized; refreshing credentials", page.Outcome.Notes);
    }

    [Fact]
    public async Task A_second_401_after_the_refresh_is_a_configuration_problem()
    {
        await using var harness = new FetcherHarness();
        await using var server = await OAuthServer(_ => false);
        var source = Source(server.BaseAddress, Stream(), Authenticators.OAuth2ClientCredentials("oauth/token", "client", "shh-secret"));

        var page = Assert.Single(await harness.FetchAllAsync(source, Stream(), cancellationToken: Token));

        Assert.Equal(FetchStatus.Unauthorized, page.Outcome.Status);
        Assert.Equal("credentials rejected after refresh: check the source's configuration", page.Outcome.Error);
        Assert.Equal(2, server.CountFor("/items"));
        Assert.False(page.Outcome.IsRetryable);
        Assert.Contains(page.Page.Issues, i => i.Kind == IssueKind.Unauthorized && i.Severity == IssueSeverity.Error);
    }

    [Fact]
    public async Task A_static_bearer_token_rejected_with_401_is_final_without_a_resend()
    {
        await using var harness = new FetcherHarness();
        await using var server = await OAuthServer(_ => false);
        var source = Source(server.BaseAddress, Stream(), Authenticators.Bearer("static-token"));

        var page = Assert.Single(await harness.FetchAllAsync(source, Stream(), cancellationToken: Token));

        Assert.Equal(FetchStatus.Unauthorized, page.Outcome.Status);
        Assert.Equal(1, server.CountFor("/items"));
    }

    [Fact]
    public async Task The_oauth2_token_is_cached_until_expiry_minus_skew_and_sent_with_the_client_credentials()
    {
        await using var harness = new FetcherHarness();
        IFormCollection? tokenForm = null;
        await using var server = await OAuthServer(_ => true, expiresIn: 120, onTokenRequest: form => tokenForm = form);
        var authenticator = Authenticators.OAuth2ClientCredentials(server.Url("oauth/token").AbsoluteUri, "client-1", "shh-secret", scope: "read", expirySkew: TimeSpan.FromSeconds(60));
        var source = Source(server.BaseAddress, Stream(), authenticator);

        for (var i = 0; i < 3; i++)
        {
            Assert.True(Assert.Single(await harness.FetchAllAsync(source, Stream(), cancellationToken: Token)).Outcome.IsSuccess);
        }

        Assert.Equal(1, server.CountFor("/oauth/token"));
        harness.Time.Advance(TimeSpan.FromSeconds(59));
        Assert.Single(await harness.FetchAllAsync(source, Stream(), cancellationToken: Token));
        Assert.Equal(1, server.CountFor("/oauth/token"));
        harness.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Single(await harness.FetchAllAsync(source, Stream(), cancellationToken: Token));
        Assert.Equal(2, server.CountFor("/oauth/token"));
        Assert.Equal("client_credentials", tokenForm!["grant_type"]);
        Assert.Equal("client-1", tokenForm["client_id"]);
        Assert.Equal("read", tokenForm["scope"]);
    }

    [Fact]
    public async Task Concurrent_requests_share_one_token_request()
    {
        await using var harness = new FetcherHarness();
        await using var server = await OAuthServer(_ => true);
        var source = Source(server.BaseAddress, Stream(), Authenticators.OAuth2ClientCredentials("oauth/token", "client", "shh-secret"));

        var pages = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => harness.FetchAllAsync(source, Stream(), cancellationToken: Token)));

        Assert.All(pages, p => Assert.True(Assert.Single(p).Outcome.IsSuccess));
        Assert.Equal(1, server.CountFor("/oauth/token"));
    }

    [Fact]
    public async Task A_session_cookie_is_kept_and_the_session_logs_in_again_after_a_401()
    {
        await using var harness = new FetcherHarness();
        var logins = 0;
        var current = string.Empty;
        var served = 0;
        await using var server = await TestHttpServer.StartAsync(app =>
        {
            app.MapPost("/login", async context =>
            {
                using var reader = new StreamReader(context.Request.Body);
                var body = await reader.ReadToEndAsync(context.RequestAborted);
                if (!body.Contains("\"password\":\"pa55\"", StringComparison.Ordinal))
                {
                    context.Response.StatusCode = 403;
                    return;
                }

                current = "s" + Interlocked.Increment(ref logins).ToString(CultureInfo.InvariantCulture);
                context.Response.Headers.SetCookie = $"JSESSIONID={current}; Path=/; HttpOnly";
            });
            app.MapGet("/items", context =>
            {
                // The server expires the first session after two requests.
                var valid = context.Request.Cookies["JSESSIONID"] == current && !(current == "s1" && ++served > 2);
                return valid ? TestHttp.WriteJsonAsync(context, Page(1, 1)) : TestHttp.WriteJsonAsync(context, "{}", 401);
            });
        });
        var authenticator = Authenticators.SessionLogin("login", () => new StringContent("{\"user\":\"u\",\"password\":\"pa55\"}", Encoding.UTF8, "application/json"), SessionToken.Cookie("JSESSIONID"));
        var source = Source(server.BaseAddress, Stream(), authenticator);

        var outcomes = new List<FetchOutcome>();
        for (var i = 0; i < 3; i++)
        {
            outcomes.Add(Assert.Single(await harness.FetchAllAsync(source, Stream(), cancellationToken: Token)).Outcome);
        }

        Assert.All(outcomes, o => Assert.True(o.IsSuccess, o.Error));
        Assert.Equal(2, server.CountFor("/login"));
        Assert.Equal(4, server.CountFor("/items"));
    }

    [Fact]
    public async Task A_session_token_read_from_the_login_json_is_sent_in_a_header()
    {
        await using var harness = new FetcherHarness();
        await using var server = await TestHttpServer.StartAsync(app =>
        {
            app.MapPost("/auth/login", context => TestHttp.WriteJsonAsync(context, "{\"session\":{\"token\":\"tok-42\"}}"));
            app.MapGet("/items", context => context.Request.Headers["X-Session"] == "tok-42"
                ? TestHttp.WriteJsonAsync(context, Page(1, 1))
                : TestHttp.WriteJsonAsync(context, "{}", 401));
        });
        var authenticator = Authenticators.SessionLogin("auth/login", () => new StringContent("{}"), SessionToken.JsonToken("$.session.token", "X-Session", valuePrefix: string.Empty));

        var page = Assert.Single(await harness.FetchAllAsync(Source(server.BaseAddress, Stream(), authenticator), Stream(), cancellationToken: Token));

        Assert.True(page.Outcome.IsSuccess, page.Outcome.Error);
    }

    [Fact]
    public async Task Api_keys_go_in_a_header_or_in_the_query_and_basic_credentials_in_authorization()
    {
        await using var harness = new FetcherHarness();
        await using var server = await TestHttpServer.StartAsync(app => app.MapGet("/items", context =>
        {
            var ok = context.Request.Headers["X-Api-Key"] == "k-1"
                || (context.Request.Query["api_key"] == "k-2" && context.Request.Query["api_key"].Count == 1)
                || context.Request.Headers.Authorization == "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("user:pw"));
            return ok ? TestHttp.WriteJsonAsync(context, Page(1, 1)) : TestHttp.WriteJsonAsync(context, "{}", 401);
        }));

        foreach (var authenticator in new[] { Authenticators.ApiKey("X-Api-Key", "k-1"), Authenticators.ApiKey("api_key", "k-2", ApiKeyLocation.Query), Authenticators.Basic("user", "pw") })
        {
            var page = Assert.Single(await harness.FetchAllAsync(Source(server.BaseAddress, Stream(), authenticator), Stream(), cancellationToken: Token));
            Assert.True(page.Outcome.IsSuccess, page.Outcome.Error);
        }

        Assert.Equal(["api_key"], Authenticators.ApiKey("api_key", "k", ApiKeyLocation.Query).SecretQueryParameters);
        Assert.Empty(Authenticators.ApiKey("X-Api-Key", "k").SecretQueryParameters);
    }

    [Fact]
    public void Bad_arguments_name_the_culprit()
    {
        Assert.Equal("userName", Assert.Throws<ArgumentException>(() => Authenticators.Basic("a:b", "pw")).ParamName);
        Assert.Contains("$.a[0]", Assert.Throws<ArgumentException>(() => SessionToken.JsonToken("$.a[0]")).Message, StringComparison.Ordinal);
        Assert.Equal("clientSecret", Assert.Throws<ArgumentException>(() => Authenticators.OAuth2ClientCredentials("https://x/token", "id", "")).ParamName);
    }
}
