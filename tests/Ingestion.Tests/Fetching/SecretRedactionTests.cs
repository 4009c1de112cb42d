using Ingestion.Fetching.Internal;
using Ingestion.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using static Ingestion.Tests.Fetching.FetcherHarness;

namespace Ingestion.Tests.Fetching;

public sealed class SecretRedactionTests
{
    private const string BearerSecret = "bearer-SECRET-1111";
    private const string BasicPassword = "basic-SECRET-2222";
    private const string QueryKey = "query-SECRET-3333";
    private const string ClientSecret = "client-SECRET-4444";
    private const string IssuedToken = "issued-SECRET-5555";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task No_secret_reaches_a_log_line_note_issue_or_error_across_failing_runs()
    {
        await using var harness = new FetcherHarness();
        var count = 0;
        await using var server = await TestHttpServer.StartAsync(app =>
        {
            app.MapPost("/oauth/token", context => TestHttp.WriteJsonAsync(context, $"{{\"access_token\":\"{IssuedToken}\",\"expires_in\":3600}}"));

            // Every request fails in a different way: 503 then reset then 401 then 403, so every failure path logs and reports.
            app.MapGet("/items", context =>
            {
                switch (Interlocked.Increment(ref count) % 4)
                {
                    case 1: return TestHttp.WriteJsonAsync(context, "{}", 503);
                    case 2: context.Abort(); return Task.CompletedTask;
                    case 3: return TestHttp.WriteJsonAsync(context, "{}", 401);
                    default: return TestHttp.WriteJsonAsync(context, "{}", 403);
                }
            });
        });
        var authenticators = new[]
        {
            Authenticators.Bearer(BearerSecret),
            Authenticators.Basic("user", BasicPassword),
            Authenticators.ApiKey("account_key", QueryKey, ApiKeyLocation.Query),
            Authenticators.OAuth2ClientCredentials("oauth/token", "client", ClientSecret),
        };

        var texts = new List<string>();
        var index = 0;
        foreach (var authenticator in authenticators)
        {
            // The stream itself also carries a secret-looking query parameter and a custom secret header.
            var stream = new StreamDefinition
            {
                Name = "items",
                Path = $"items?token={QueryKey}&page=1",
                Records = new DataArraySelector(),
                Headers = new Dictionary<string, string> { ["X-Api-Key"] = BearerSecret },
            };
            var source = Source(server.BaseAddress, stream, authenticator, name: "vendor" + index++);
            foreach (var page in await harness.FetchAllAsync(source, stream, cancellationToken: Token))
            {
                texts.Add(page.Outcome.Error ?? string.Empty);
                texts.AddRange(page.Outcome.Notes);
                texts.AddRange(page.Page.Issues.Select(i => i.Message + " " + i.Key));
            }
        }

        texts.AddRange(harness.Logs.Lines);
        Assert.NotEmpty(harness.Logs.Lines);
        Assert.Contains(harness.Logs.Lines, line => line.Contains("token=***", StringComparison.Ordinal));
        foreach (var secret in new[] { BearerSecret, BasicPassword, QueryKey, ClientSecret, IssuedToken, Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("user:" + BasicPassword)) })
        {
            Assert.DoesNotContain(texts, text => text.Contains(secret, StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("https://api.example.com/v1/items?api_key=abc123&page=2", "https://api.example.com/v1/items?api_key=***&page=2")]
    [InlineData("https://user:pw@api.example.com/x?access_token=t&client_secret=s&signature=z", "https://api.example.com/x?access_token=***&client_secret=***&signature=***")]
    [InlineData("https://api.example.com/x?ApiKey=1&password=2&secret=3&key=4&token=5", "https://api.example.com/x?ApiKey=***&password=***&secret=***&key=***&token=***")]
    [InlineData("https://api.example.com/x?account=7&tenant_key=8", "https://api.example.com/x?account=7&tenant_key=***")]
    public void Urls_are_redacted_by_common_names_and_declared_parameters(string url, string expected)
    {
        Assert.Equal(expected, SecretRedactor.Url(new Uri(url), ["tenant_key"]));
    }

    [Fact]
    public void Secret_headers_and_credentials_in_free_text_are_masked()
    {
        Assert.True(SecretRedactor.IsSecretHeader("Authorization"));
        Assert.True(SecretRedactor.IsSecretHeader("Proxy-Authorization"));
        Assert.True(SecretRedactor.IsSecretHeader("Cookie"));
        Assert.True(SecretRedactor.IsSecretHeader("Set-Cookie"));
        Assert.True(SecretRedactor.IsSecretHeader("X-Vendor-Api-Key"));
        Assert.False(SecretRedactor.IsSecretHeader("Accept"));
        Assert.Equal("***", SecretRedactor.HeaderValue("Authorization", "Bearer abc"));

        var text = SecretRedactor.Text("GET https://h/x?token=abc&page=1 failed with Authorization: Bearer eyJhbGciOi.x.y", null);

        Assert.DoesNotContain("abc", text, StringComparison.Ordinal);
        Assert.DoesNotContain("eyJhbGciOi", text, StringComparison.Ordinal);
        Assert.Contains("page=1", text, StringComparison.Ordinal);
    }
}
