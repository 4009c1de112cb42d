using System.Text;

namespace Ingestion.Tests.Paging;

internal static class PagingTestData
{
    public static PageRequest Get(string uri) => new(HttpMethod.Get, new Uri(uri));

    public static PageResponse Response(string body, int recordCount, params (string Name, string Value)[] headers)
    {
        var message = new HttpResponseMessage();
        foreach (var (name, value) in headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        return new PageResponse(200, message.Headers, Encoding.UTF8.GetBytes(body), recordCount);
    }

    public static PageRequest Continue(PageDecision decision)
    {
        Assert.False(decision.IsStop, $"Expected a next page, got a stop ({decision.StopReason}).");
        Assert.Equal(PageStopReason.None, decision.StopReason);
        return decision.NextRequest!;
    }

    public static void Stopped(PageStopReason reason, PageDecision decision)
    {
        Assert.True(decision.IsStop);
        Assert.Null(decision.NextRequest);
        Assert.Equal(reason, decision.StopReason);
    }
}
