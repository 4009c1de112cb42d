using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Ingestion.Connectors.Jibble.Internal;

/// <summary>Builds the source definition of one Jibble account from its validated options.</summary>
internal static partial class JibbleSource
{
    private const string NextLinkPath = "$['@odata.nextLink']";

    public static SourceDefinition Build(string name, JibbleOptions options, ILogger logger)
    {
        var membership = options.GroupFilter.Count > 0 ? new GroupMembership([.. options.GroupFilter]) : null;
        var source = new RestSourceBuilder(name)
            .BaseAddress(options.WorkspaceAddress)
            .Auth(Authenticators.OAuth2ClientCredentials(options.TokenEndpoint.AbsoluteUri, options.ClientId!, options.ClientSecret!))
            .Header("Accept", "application/json")
            .Resilience(new ResilienceSettings { AttemptTimeout = options.AttemptTimeout, MaxRetries = options.MaxRetries })
            .DryRun(options.DryRun);
        if (options.RequestsPerMinute is { } perMinute)
        {
            source.RateLimit(perMinute: perMinute);
        }

        source.Stream(JibbleStreams.People, people =>
        {
            people.Get("People").Query("$orderby", "id asc");
            Collection(people, options);
            if (membership is not null)
            {
                people.Query("$filter", AnyOf("groupId", membership.Groups));
                people.Records(membership.Observing(RecordSelector.Json("$.value")));
            }
        });

        source.Stream(JibbleStreams.Groups, groups =>
        {
            groups.Get("Groups").Query("$orderby", "id asc");
            Collection(groups, options);
            if (membership is not null)
            {
                groups.Query("$filter", AnyOf("id", membership.Groups));
            }
        });

        source.Stream(JibbleStreams.TimeEntries, entries =>
        {
            entries.Get(new Uri(WithSlash(options.TimeTrackingAddress), "TimeEntries").AbsoluteUri)
                .Query("$orderby", "time asc,id asc")
                .Records("$.value")
                .Key("id")
                .Paginate(Paginator(options))
                .Incremental("belongsToDate", overlap: TimeSpan.FromDays(options.TrailingOpenDays))
                .PrepareRequest((request, context) =>
                {
                    var window = TimeEntryWindow.For(options, context);
                    var filter = window.ToFilter();
                    if (membership is not null)
                    {
                        if (membership.IsKnown)
                        {
                            filter = $"{filter} and ({AnyOf("personId", membership.People)})";
                        }
                        else
                        {
                            LogMembershipUnknown(logger, name);
                        }
                    }

                    LogWindow(logger, name, window.From.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), window.To.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), window.Reason);
                    return request.WithQueryParameter("$filter", filter);
                });
        });

        return source.Build();
    }

    private static void Collection(RestStreamBuilder stream, JibbleOptions options) => stream
        .Records("$.value")
        .Key("id")
        .Paginate(Paginator(options))
        .IgnorePaths("$['@odata.etag']");

    // $top/$skip until a short page; an @odata.nextLink is followed when one appears, never required.
    private static IPaginator Paginator(JibbleOptions options) =>
        Paginators.NextUrlOr(NextLinkPath, Paginators.OffsetLimit("$skip", "$top", options.PageSize));

    // GUIDs are unquoted OData literals.
    private static string AnyOf(string field, IEnumerable<string> ids) =>
        string.Join(" or ", ids.Select(id => $"{field} eq {Guid.Parse(id):D}"));

    private static Uri WithSlash(Uri address) =>
        address.AbsolutePath.EndsWith('/') ? address : new UriBuilder(address) { Path = address.AbsolutePath + "/" }.Uri;

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Jibble source {Source} fetches time entries of {From} to {To} ({Reason})")]
    private static partial void LogWindow(ILogger logger, string source, string from, string to, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Jibble source {Source} has a group filter but has not seen the groups' people yet; time entries of the whole organization are fetched. Sync the people stream first (syncing the source does).")]
    private static partial void LogMembershipUnknown(ILogger logger, string source);
}
