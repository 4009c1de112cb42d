using Ingestion.Connectors.Employes.Internal;
using Ingestion.Connectors.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Ingestion.Connectors.Tests.Employes;

public sealed class EmployesTokenTests
{
    // The simulator's token: a JWT whose exp is 1814400000 (2027-07-31T00:00:00Z).
    private static readonly string Token = new Ingestion.Samples.VendorSimulator.SimulatorOptions().EmployesToken;
    private static readonly DateTimeOffset Expiry = DateTimeOffset.FromUnixTimeSeconds(1_814_400_000);

    private static List<string> Authenticate(DateTimeOffset now, int requests, Action<FakeTimeProvider>? between = null)
    {
        var time = new FakeTimeProvider(now);
        using var logs = new CapturingLoggerProvider();
        var authenticator = new EmployesTokenAuthenticator(Token, "employes", "Employes:BearerToken", TimeSpan.FromDays(30));
        using var client = new HttpClient();
        var context = new AuthenticationContext { Client = client, BaseAddress = new Uri("http://127.0.0.1/"), TimeProvider = time, Logger = logs.CreateLogger("test") };
        for (var i = 0; i < requests; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1/x");
            authenticator.AuthenticateAsync(request, context, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            Assert.Equal(Token, request.Headers.Authorization!.Parameter);
            between?.Invoke(time);
        }

        Assert.Equal(Expiry, authenticator.ExpiresAt);
        return [.. logs.Lines];
    }

    [Fact]
    public void A_token_far_from_expiry_logs_nothing()
    {
        Assert.Empty(Authenticate(Expiry.AddDays(-90), requests: 3));
    }

    [Fact]
    public void A_token_near_expiry_warns_once_a_day_naming_the_key_and_never_the_token()
    {
        var lines = Authenticate(Expiry.AddDays(-10), requests: 4, between: time => time.Advance(TimeSpan.FromHours(12)));

        Assert.Equal(2, lines.Count); // at 0 h and 24 h of the 36 h covered
        Assert.All(lines, line =>
        {
            Assert.StartsWith("Warning", line, StringComparison.Ordinal);
            Assert.Contains("Employes:BearerToken", line, StringComparison.Ordinal);
            Assert.DoesNotContain(Token, line, StringComparison.Ordinal);
            Assert.DoesNotContain(Token.Split('.')[2], line, StringComparison.Ordinal);
        });
        Assert.Contains("in 10 days", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public void An_expired_token_says_so()
    {
        var line = Assert.Single(Authenticate(Expiry.AddDays(1), requests: 2));
        Assert.Contains("expired", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not-a-jwt")]
    [InlineData("a.b.c")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln")] // no exp
    public void A_token_without_a_readable_exp_has_no_expiry(string token)
    {
        Assert.Null(JwtExpiry.Read(token));
    }
}
