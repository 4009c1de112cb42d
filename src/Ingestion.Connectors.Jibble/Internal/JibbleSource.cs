using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Ingestion.Connectors.Jibble.Internal;

/// <summary>Builds the source definition of one Jibble account from its validated options.</summary>
internal static partial class JibbleSource
{
    private const string NextLinkPath = "$['@odata.nextLink']";

    public static SourceDefinition Build(string name, JibbleOptions options, ILogger logger)
    {
        // Every person's group is noted whatever the filter, so a run limited to any group can ask for its members' entries.
        var membership = new GroupMembership();
        var configured = RunGroups.Configured(options);
        var source = new RestSourceBuilder(name)
            .BaseAddress(options.WorkspaceAddress)
            .Auth(Authenticators.OAuth2ClientCredentials(options.TokenEndpoint.AbsoluteUri, options.ClientId!, options.ClientSecret!))
            .Header("Accept", "application/json")
            .Resilience(options.Resilience)
            .DryRun(options.DryRun);
        if (options.RequestsPerMinute is { } perMinute)
        {
            source.RateLimit(perMinute: perMinute);
        }

        source.Stream(JibbleStreams.People, people =>
        {
            people.Get("People").Query("$orderby", "id asc");
            Collection(people, options);
            people.Records(membership.Observing(RecordSelector.Json("$.value")));
            people.PrepareRequest((request, context) => FilterByGroup(request, context, configured, "groupId"));
        });

        source.Stream(JibbleStreams.Groups, groups =>
        {
            groups.Get("Groups").Query("$orderby", "id asc");
            Collection(groups, options);
            groups.PrepareRequest((request, context) => FilterByGroup(request, context, configured, "id"));
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
                    var (groups, _) = RunGroups.For(configured, context);
                    if (groups.Count > 0)
                    {
                        filter = WithMembers(filter, groups, membership, context, logger, name);
                    }

                    LogWindow(logger, name, window.From.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), window.To.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), window.Reason);
                    return request.WithQueryParameter("$filter", filter);
                });
        });

        return source.Build();
    }

    // People and Groups: the configured filter, or the run's groups instead (then the run sees part of the snapshot only).
    private static PageRequest FilterByGroup(PageRequest request, StreamRequestContext context, IReadOnlyList<string> configured, string field)
    {
        var (groups, fromParameter) = RunGroups.For(configured, context);
        if (fromParameter && !groups.ToHashSet(StringComparer.OrdinalIgnoreCase).SetEquals(configured))
        {
            context.MarkPartialView();
        }

        return groups.Count > 0 ? request.WithQueryParameter("$filter", AnyOf(field, groups)) : request;
    }

    // Jibble cannot filter time entries by group: the groups' members seen in People pages are asked for instead.
    private static string WithMembers(string filter, IReadOnlyList<string> groups, GroupMembership membership, StreamRequestContext context, ILogger logger, string name)
    {
        var (people, withoutMembers) = membership.MembersOf(groups);
        if (people.Count == 0)
        {
            LogMembershipUnknown(logger, name);
            context.ReportIssue(new SyncIssue(
                IssueKind.Other,
                $"The group filter ({string.Join(", ", groups)}) could not be applied: no member of these groups has been seen in People yet, so the time entries of the whole organization were fetched. Sync the '{JibbleStreams.People}' stream first (with the same '{JibbleStreams.GroupParameter}' parameter, if any)."));
            return filter;
        }

        if (withoutMembers.Count > 0)
        {
            context.ReportIssue(new SyncIssue(
                IssueKind.Other,
                $"No member of the group(s) {string.Join(", ", withoutMembers)} has been seen in People; their time entries were not fetched. Sync the '{JibbleStreams.People}' stream first if these groups have members."));
        }

        return $"{filter} and ({AnyOf("personId", people)})";
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
