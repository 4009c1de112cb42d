using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Ingestion.Connectors.Jibble.Internal;

/// <summary>Builds the source definition of one Jibble account from its validated options.</summary>
internal static partial class JibbleSource
{
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

        var reconciliation = new ReconciliationClock();
        var peoplePaging = Paging(options, "groupId", static groups => groups);
        var groupsPaging = Paging(options, "id", static groups => groups);
        var entriesPaging = Paging(options, "personId", groups => membership.MembersOf(groups).People);

        source.Stream(JibbleStreams.People, people =>
        {
            people.Get("People").Query("$orderby", "id asc");
            Collection(people, peoplePaging);
            people.Records(membership.Observing(RecordSelector.Json("$.value")));
            people.PrepareRequest((request, context) => FilterByGroup(request, context, configured, peoplePaging));
        });

        source.Stream(JibbleStreams.Groups, groups =>
        {
            groups.Get("Groups").Query("$orderby", "id asc");
            Collection(groups, groupsPaging);
            groups.PrepareRequest((request, context) => FilterByGroup(request, context, configured, groupsPaging));
        });

        source.Stream(JibbleStreams.TimeEntries, entries =>
        {
            entries.Get(new Uri(WithSlash(options.TimeTrackingAddress), "TimeEntries").AbsoluteUri)
                .Query("$orderby", "time asc,id asc")
                .Records("$.value")
                .Key("id")
                .Paginate(entriesPaging)
                .Incremental("belongsToDate", overlap: TimeSpan.FromDays(options.TrailingOpenDays))
                .PrepareRequest((request, context) =>
                {
                    var window = TimeEntryWindow.For(options, context, reconciliation);
                    var filter = window.ToFilter();
                    LogWindow(logger, name, window.From.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), window.To.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), window.Reason);
                    request = request.WithQueryParameter("$filter", filter);
                    var (groups, _) = RunGroups.For(configured, context);
                    return groups.Count > 0 && HasMembers(groups, membership, context, logger, name)
                        ? entriesPaging.FirstChunk(request, filter, groups)
                        : request;
                });
        });

        return source.Build();
    }

    // People and Groups: the configured filter, or the run's groups instead (then the run sees part of the snapshot only).
    private static PageRequest FilterByGroup(PageRequest request, StreamRequestContext context, IReadOnlyList<string> configured, JibblePaging paging)
    {
        var (groups, fromParameter) = RunGroups.For(configured, context);
        if (fromParameter && !groups.ToHashSet(StringComparer.OrdinalIgnoreCase).SetEquals(configured))
        {
            context.MarkPartialView();
        }

        return groups.Count > 0 ? paging.FirstChunk(request, baseFilter: null, groups) : request;
    }

    // Jibble cannot filter time entries by group: the groups' members seen in People pages are asked for instead.
    private static bool HasMembers(IReadOnlyList<string> groups, GroupMembership membership, StreamRequestContext context, ILogger logger, string name)
    {
        var (people, withoutMembers) = membership.MembersOf(groups);
        if (people.Count == 0)
        {
            LogMembershipUnknown(logger, name);
            context.ReportIssue(new SyncIssue(
                IssueKind.Other,
                $"The group filter ({string.Join(", ", groups)}) could not be applied: no member of these groups has been seen in People yet, so the time entries of the whole organization were fetched. Sync the '{JibbleStreams.People}' stream first (with the same '{JibbleStreams.GroupParameter}' parameter, if any)."));
            return false;
        }

        if (withoutMembers.Count > 0)
        {
            context.ReportIssue(new SyncIssue(
                IssueKind.Other,
                $"No member of the group(s) {string.Join(", ", withoutMembers)} has been seen in People; their time entries were not fetched. Sync the '{JibbleStreams.People}' stream first if these groups have members."));
        }

        return true;
    }

    private static void Collection(RestStreamBuilder stream, JibblePaging paging) => stream
        .Records("$.value")
        .Key("id")
        .Paginate(paging)
        .IgnorePaths("$['@odata.etag']");

    // $top/$skip with $count, a server's cap detected; an @odata.nextLink is followed when one appears, never required.
    private static JibblePaging Paging(JibbleOptions options, string field, Func<IReadOnlyList<string>, IReadOnlyList<string>> idsOf) =>
        new(options.PageSize, options.MaxFilterIds, field, idsOf);

    private static Uri WithSlash(Uri address) =>
        address.AbsolutePath.EndsWith('/') ? address : new UriBuilder(address) { Path = address.AbsolutePath + "/" }.Uri;

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Jibble source {Source} fetches time entries of {From} to {To} ({Reason})")]
    private static partial void LogWindow(ILogger logger, string source, string from, string to, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Jibble source {Source} has a group filter but has not seen the groups' people yet; time entries of the whole organization are fetched. Sync the people stream first (syncing the source does).")]
    private static partial void LogMembershipUnknown(ILogger logger, string source);
}
