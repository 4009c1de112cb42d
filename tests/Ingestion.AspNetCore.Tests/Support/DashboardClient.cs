using System.Net;
using System.Text.RegularExpressions;

namespace Ingestion.AspNetCore.Tests.Support;

// A cookie-keeping HTTP client for the dashboard: reads a page, and posts an action form with the page's antiforgery token.
public sealed partial class DashboardClient : IDisposable
{
    private readonly HttpClient _http;

    public DashboardClient(DashboardHost host)
    {
        Host = host;
        _http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = true });
    }

    public DashboardHost Host { get; }

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async Task<string> GetPageAsync(string path = "ingestion/")
    {
        using var response = await _http.GetAsync(Host.Url(path), Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync(Cancel);
    }

    // Posts to the action with the token of the page just read (or without one), following the redirect back.
    public async Task<(HttpStatusCode Status, string Body)> PostActionAsync(string page, string action, IDictionary<string, string> fields, bool withToken = true)
    {
        var html = await GetPageAsync(page);
        var form = new Dictionary<string, string>(fields);
        if (withToken)
        {
            var token = TokenField().Match(html);
            Assert.True(token.Success, "The page has no antiforgery token field.");
            form[WebUtility.HtmlDecode(token.Groups["name"].Value)] = WebUtility.HtmlDecode(token.Groups["value"].Value);
        }

        using var response = await _http.PostAsync(Host.Url($"ingestion/actions/{action}"), new FormUrlEncodedContent(form), Cancel);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Cancel));
    }

    public void Dispose() => _http.Dispose();

    [GeneratedRegex("<input type=\"hidden\" name=\"(?<name>__RequestVerificationToken[^\"]*)\" value=\"(?<value>[^\"]+)\">")]
    private static partial Regex TokenField();
}
