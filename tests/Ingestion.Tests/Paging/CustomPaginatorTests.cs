using System.Globalization;
using static Ingestion.Tests.Paging.PagingTestData;

namespace Ingestion.Tests.Paging;

public sealed class CustomPaginatorTests
{
    // Date-window paging, as a connector would write it against the public contract alone: the remaining
    // windows travel in the paging state, so the paginator itself stays stateless.
    private sealed class MonthlyWindows(int months) : IPaginator
    {
        public PageRequest PrepareFirst(PageRequest request) =>
            request.WithQueryParameter("month", "1").WithPagingState((months - 1).ToString(CultureInfo.InvariantCulture));

        public PageDecision Next(PageRequest request, PageResponse response)
        {
            var remaining = int.Parse(request.PagingState!, CultureInfo.InvariantCulture);
            if (remaining == 0)
            {
                return PageDecision.Stop(PageStopReason.NoNextPage);
            }

            var month = int.Parse(request.GetQueryParameter("month")!, CultureInfo.InvariantCulture) + 1;
            return PageDecision.Next(request
                .WithQueryParameter("month", month.ToString(CultureInfo.InvariantCulture))
                .WithPagingState((remaining - 1).ToString(CultureInfo.InvariantCulture)));
        }
    }

    [Fact]
    public void A_custom_paginator_needs_only_the_public_contract()
    {
        IPaginator paginator = new MonthlyWindows(3);
        var months = new List<string?>();
        var request = paginator.PrepareFirst(Get("https://api.test/report"));
        while (true)
        {
            months.Add(request.GetQueryParameter("month"));
            var decision = paginator.Next(request, Response("[]", 0));
            if (decision.IsStop)
            {
                Assert.Equal(PageStopReason.NoNextPage, decision.StopReason);
                break;
            }

            request = decision.NextRequest!;
        }

        Assert.Equal(["1", "2", "3"], months);
    }
}
