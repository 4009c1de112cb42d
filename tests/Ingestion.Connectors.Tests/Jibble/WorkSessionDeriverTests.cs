using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Ingestion.Connectors.Jibble;
using Ingestion.Connectors.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Ingestion.Connectors.Tests.Jibble;

public sealed class WorkSessionDeriverTests(ConnectorTestFixture database)
{
    private const string Ana = "7e3b2c10-4a6f-4d21-9b8e-2f1a0c9d5e44";
    private const string Ben = "1c9e0d22-5b7a-4f60-8d13-3e2b1a0f9c77";
    private const string Kitchen = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
    private static readonly DateOnly Monday = new(2026, 6, 8);
    private static readonly DateOnly Tuesday = new(2026, 6, 9);

    [Fact]
    public async Task An_in_and_its_out_make_one_complete_session_with_its_minutes()
    {
        var store = new FixtureStore()
            .Person(Ana, "Ana Silva", Kitchen).Group(Kitchen, "Kitchen")
            .Entry("e1", Ana, Monday, "In", "2026-06-08T08:00:00.6514Z")
            .Entry("e2", Ana, Monday, "Out", "2026-06-08T16:30:00.6514Z");

        var session = Assert.Single(await DeriveAsync(store, Ana, Monday));

        Assert.Equal($"{Ana}/2026-06-08/e1", session.Key);
        Assert.Equal(WorkSessionDeriver.Kind, session.Kind);
        Assert.Equal(DateTimeOffset.Parse("2026-06-08T08:00:00.6514Z", System.Globalization.CultureInfo.InvariantCulture), session.EffectiveAt);
        var json = Json(session);
        Assert.Equal("complete", json.GetProperty("status").GetString());
        Assert.Equal(510, json.GetProperty("durationMinutes").GetDouble());
        Assert.False(json.GetProperty("incomplete").GetBoolean());
        Assert.False(json.GetProperty("autoClockOut").GetBoolean());
        Assert.Equal("e1", json.GetProperty("clockInId").GetString());
        Assert.Equal("e2", json.GetProperty("clockOutId").GetString());
        Assert.Equal("Ana Silva", json.GetProperty("personName").GetString());
        Assert.Equal("Kitchen", json.GetProperty("groupName").GetString());
        Assert.True(json.GetProperty("personKnown").GetBoolean());
        Assert.True(json.GetProperty("groupKnown").GetBoolean());
    }

    [Fact]
    public async Task An_automatic_clock_out_has_its_own_status_and_keeps_its_span_out_of_the_worked_duration()
    {
        var store = new FixtureStore()
            .Entry("e1", Ana, Monday, "In", "2026-06-08T09:15:00Z")
            .Entry("e2", Ana, Monday, "Out", "2026-06-08T18:00:00Z", clientType: "AutoOut");

        var json = Json(Assert.Single(await DeriveAsync(store, Ana, Monday)));

        Assert.True(json.GetProperty("autoClockOut").GetBoolean());
        Assert.Equal("auto_clocked_out", json.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("durationMinutes").ValueKind);
        Assert.Equal(525, json.GetProperty("autoClockOutMinutes").GetDouble());
    }

    [Fact]
    public async Task An_in_without_out_across_midnight_stays_incomplete_and_leaves_the_next_day_alone()
    {
        var store = new FixtureStore()
            .Entry("late", Ana, Monday, "In", "2026-06-08T22:00:00Z")
            .Entry("next-in", Ana, Tuesday, "In", "2026-06-09T07:00:00Z")
            .Entry("next-out", Ana, Tuesday, "Out", "2026-06-09T15:00:00Z");

        var monday = Json(Assert.Single(await DeriveAsync(store, Ana, Monday)));
        var tuesday = Json(Assert.Single(await DeriveAsync(store, Ana, Tuesday)));

        Assert.Equal("missing_out", monday.GetProperty("status").GetString());
        Assert.True(monday.GetProperty("incomplete").GetBoolean());
        Assert.Equal(JsonValueKind.Null, monday.GetProperty("durationMinutes").ValueKind);
        Assert.Equal(JsonValueKind.Null, monday.GetProperty("clockOut").ValueKind);
        Assert.Equal("complete", tuesday.GetProperty("status").GetString());
        Assert.Equal(480, tuesday.GetProperty("durationMinutes").GetDouble());
    }

    [Fact]
    public async Task A_night_shift_whose_out_is_dated_the_next_day_pairs_by_its_links_and_leaves_the_next_day_alone()
    {
        var store = new FixtureStore()
            .Entry("night-in", Ana, Monday, "In", "2026-06-08T22:00:00Z", next: "night-out")
            .Entry("night-out", Ana, Tuesday, "Out", "2026-06-09T06:00:00Z", previous: "night-in")
            .Entry("day-in", Ana, Tuesday, "In", "2026-06-09T14:00:00Z", next: "day-out")
            .Entry("day-out", Ana, Tuesday, "Out", "2026-06-09T18:00:00Z", previous: "day-in");

        var monday = Json(Assert.Single(await DeriveAsync(store, Ana, Monday)));
        var tuesday = Json(Assert.Single(await DeriveAsync(store, Ana, Tuesday)));

        Assert.Equal("complete", monday.GetProperty("status").GetString());
        Assert.Equal(480, monday.GetProperty("durationMinutes").GetDouble());
        Assert.Equal("night-out", monday.GetProperty("clockOutId").GetString());
        Assert.Equal("day-in", tuesday.GetProperty("clockInId").GetString());
        Assert.Equal(240, tuesday.GetProperty("durationMinutes").GetDouble());
    }

    [Fact]
    public async Task A_night_shift_whose_out_belongs_to_the_day_it_started_pairs_across_midnight()
    {
        var store = new FixtureStore()
            .Entry("in", Ana, Monday, "In", "2026-06-08T22:00:00Z")
            .Entry("out", Ana, Monday, "Out", "2026-06-09T02:30:00Z");

        var json = Json(Assert.Single(await DeriveAsync(store, Ana, Monday)));

        Assert.Equal("complete", json.GetProperty("status").GetString());
        Assert.Equal(270, json.GetProperty("durationMinutes").GetDouble());
        Assert.Empty(await DeriveAsync(store, Ana, Tuesday));
    }

    [Fact]
    public async Task Archived_entries_are_ignored_and_entries_pair_in_time_order_whatever_the_read_order()
    {
        var store = new FixtureStore()
            .Entry("z-out", Ana, Monday, "Out", "2026-06-08T17:00:00Z")
            .Entry("a-in", Ana, Monday, "In", "2026-06-08T13:00:00Z")
            .Entry("old-in", Ana, Monday, "In", "2026-06-08T06:00:00Z", status: "Archived")
            .Entry("old-out", Ana, Monday, "Out", "2026-06-08T07:00:00Z", status: "Archived")
            .Entry("m-out", Ana, Monday, "Out", "2026-06-08T12:00:00Z")
            .Entry("b-in", Ana, Monday, "In", "2026-06-08T08:00:00Z");

        var sessions = await DeriveAsync(store, Ana, Monday);

        Assert.Equal([$"{Ana}/2026-06-08/b-in", $"{Ana}/2026-06-08/a-in"], sessions.Select(s => s.Key));
        Assert.Equal([240.0, 240.0], sessions.Select(s => Json(s).GetProperty("durationMinutes").GetDouble()));
    }

    [Fact]
    public async Task Two_ins_in_a_row_and_an_out_without_in_are_marked()
    {
        var store = new FixtureStore()
            .Entry("orphan-out", Ana, Monday, "Out", "2026-06-08T07:00:00Z")
            .Entry("in-1", Ana, Monday, "ClockIn", "2026-06-08T08:00:00Z")
            .Entry("in-2", Ana, Monday, "In", "2026-06-08T09:00:00Z")
            .Entry("out", Ana, Monday, "ClockOut", "2026-06-08T10:00:00Z");

        var sessions = (await DeriveAsync(store, Ana, Monday)).Select(Json).ToList();

        Assert.Equal(["missing_in", "missing_out", "complete"], sessions.Select(s => s.GetProperty("status").GetString()));
        Assert.Equal(JsonValueKind.Null, sessions[0].GetProperty("clockIn").ValueKind);
        Assert.Equal(60, sessions[2].GetProperty("durationMinutes").GetDouble());
        Assert.All(sessions.Take(2), s => Assert.True(s.GetProperty("incomplete").GetBoolean()));
    }

    [Fact]
    public async Task A_person_or_group_not_synced_yet_is_tolerated()
    {
        var store = new FixtureStore()
            .Person(Ben, "Ben Okafor", "00000000-0000-4000-8000-000000000001")
            .Entry("e1", Ana, Monday, "In", "2026-06-08T08:00:00Z")
            .Entry("e2", Ben, Monday, "In", "2026-06-08T08:00:00Z");

        var ana = Json(Assert.Single(await DeriveAsync(store, Ana, Monday)));
        var ben = Json(Assert.Single(await DeriveAsync(store, Ben, Monday)));

        Assert.False(ana.GetProperty("personKnown").GetBoolean());
        Assert.Equal(JsonValueKind.Null, ana.GetProperty("personName").ValueKind);
        Assert.Equal(JsonValueKind.Null, ana.GetProperty("groupId").ValueKind);
        Assert.True(ben.GetProperty("personKnown").GetBoolean());
        Assert.Equal("00000000-0000-4000-8000-000000000001", ben.GetProperty("groupId").GetString());
        Assert.False(ben.GetProperty("groupKnown").GetBoolean());
    }

    [Fact]
    public void Input_keys_are_a_persons_day_and_only_time_entries_count()
    {
        var deriver = new WorkSessionDeriver("jibble-eu");
        var entry = Encoding.UTF8.GetBytes($$"""{"id":"e1","personId":"{{Ana}}","belongsToDate":"2026-06-08","type":"In"}""");

        Assert.Equal("jibble-eu.work-sessions", deriver.Name);
        Assert.Equal(
            [new StreamId("jibble-eu", JibbleStreams.TimeEntries), new StreamId("jibble-eu", JibbleStreams.People), new StreamId("jibble-eu", JibbleStreams.Groups)],
            deriver.Inputs); // people and groups name the sessions: their changes derive the days again
        Assert.Equal($"{Ana}/2026-06-08", deriver.GetInputKey(new StreamId("jibble-eu", JibbleStreams.TimeEntries), "e1", entry));
        Assert.Equal(WorkSessionDeriver.InputKeyFor(Ana, Monday), deriver.GetInputKey(new StreamId("jibble-eu", JibbleStreams.TimeEntries), "e1", entry));
        Assert.Null(deriver.GetInputKey(new StreamId("jibble-eu", JibbleStreams.People), Ana, entry));
        Assert.Null(deriver.GetInputKey(new StreamId("jibble", JibbleStreams.TimeEntries), "e1", entry));
        Assert.Null(deriver.GetInputKey(new StreamId("jibble-eu", JibbleStreams.TimeEntries), "e1", "not json"u8.ToArray()));
    }

    [Fact]
    public async Task Deriving_a_synced_month_twice_stores_each_session_once_with_auto_outs_and_open_days_among_them()
    {
        await using var harness = await JibbleHarness.StartAsync(database, nameof(Deriving_a_synced_month_twice_stores_each_session_once_with_auto_outs_and_open_days_among_them));
        await harness.SyncAsync();
        var deriver = harness.Host.Services.GetServices<IDeriver>().OfType<WorkSessionDeriver>().Single();
        var entriesStream = new StreamId("jibble", JibbleStreams.TimeEntries);
        var keys = (await harness.LatestAsync(JibbleStreams.TimeEntries))
            .Select(r => deriver.GetInputKey(entriesStream, r.Key, r.Payload))
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var context = new DerivationContext { RawStore = harness.RawStore, TimeProvider = harness.Clock };
        var ct = TestContext.Current.CancellationToken;

        var firstPass = new List<string>();
        for (var pass = 0; pass < 2; pass++)
        {
            foreach (var key in keys)
            {
                var output = await deriver.DeriveAsync(key, context, ct);
                if (pass == 0)
                {
                    firstPass.AddRange(output.Select(o => o.Key));
                }

                await harness.DerivedStore.ReplaceAsync(deriver.Name, deriver.Version, key, output, ct);
            }
        }

        var stored = new List<StoredDerivedRecord>();
        await foreach (var record in harness.DerivedStore.GetAllAsync(deriver.Name, ct))
        {
            stored.Add(record);
        }

        Assert.Equal(firstPass.Order(StringComparer.Ordinal), stored.Select(s => s.Record.Key).Order(StringComparer.Ordinal));
        Assert.Equal(stored.Count, stored.Select(s => s.Record.Key).Distinct().Count());
        var payloads = stored.Select(s => JsonDocument.Parse(s.Record.Payload).RootElement).ToList();
        Assert.Contains(payloads, p => p.GetProperty("autoClockOut").GetBoolean());
        Assert.Contains(payloads, p => p.GetProperty("status").GetString() == "missing_out");
        Assert.All(payloads, p => Assert.True(p.GetProperty("personKnown").GetBoolean()));
        Assert.All(payloads.Where(p => p.GetProperty("status").GetString() == "complete"), p => Assert.True(p.GetProperty("durationMinutes").GetDouble() > 0));
    }

    private static async Task<IReadOnlyList<DerivedRecord>> DeriveAsync(FixtureStore store, string person, DateOnly day) =>
        await new WorkSessionDeriver().DeriveAsync(
            WorkSessionDeriver.InputKeyFor(person, day),
            new DerivationContext { RawStore = store, TimeProvider = TimeProvider.System },
            TestContext.Current.CancellationToken);

    private static JsonElement Json(DerivedRecord record) => JsonDocument.Parse(record.Payload).RootElement;

    /// <summary>Latest records of a <c>jibble</c> source, for the two reads the deriver makes.</summary>
    private sealed class FixtureStore : IRawStore
    {
        private readonly List<RawRecord> _records = [];

        public FixtureStore Person(string id, string fullName, string groupId) =>
            Add(JibbleStreams.People, id, $$"""{"id":"{{id}}","fullName":"{{fullName}}","groupId":"{{groupId}}","status":"Joined"}""");

        public FixtureStore Group(string id, string name) =>
            Add(JibbleStreams.Groups, id, $$"""{"id":"{{id}}","name":"{{name}}","status":"Active"}""");

        public FixtureStore Entry(string id, string person, DateOnly day, string type, string time, string clientType = "Web", string status = "Active", string? previous = null, string? next = null) =>
            Add(JibbleStreams.TimeEntries, id, $$"""{"id":"{{id}}","personId":"{{person}}","type":"{{type}}","status":"{{status}}","clientType":"{{clientType}}","time":"{{time}}","belongsToDate":"{{day:yyyy-MM-dd}}","previousTimeEntryId":{{Quoted(previous)}},"nextTimeEntryId":{{Quoted(next)}}}""");

        private static string Quoted(string? id) => id is null ? "null" : $"\"{id}\"";

        public ValueTask<RawRecord?> GetLatestAsync(StreamId stream, string key, CancellationToken cancellationToken) =>
            ValueTask.FromResult(_records.SingleOrDefault(r => r.Stream == stream && r.Key == key));

        public async IAsyncEnumerable<RawRecord> QueryLatestAsync(StreamId stream, RawRecordQuery? query, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.CompletedTask;
            foreach (var record in _records.Where(r => r.Stream == stream))
            {
                using var document = JsonDocument.Parse(record.Payload);
                if (query?.FieldName is not { } field
                    || (document.RootElement.TryGetProperty(field, out var value) && value.ToString() == query.FieldValue))
                {
                    yield return record;
                }
            }
        }

        public ValueTask<RawBatchResult> WriteBatchAsync(RawBatch batch, CancellationToken cancellationToken) => throw new NotSupportedException();

        public IAsyncEnumerable<RawRecord> GetHistoryAsync(StreamId stream, string key, CancellationToken cancellationToken) => throw new NotSupportedException();

        public IAsyncEnumerable<RawRecord> GetChangedSinceAsync(StreamId stream, DateTimeOffset since, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<int> MarkMissingDeletedAsync(StreamId stream, DateTimeOffset seenSince, DateTimeOffset deletedAt, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<long> CountLatestAsync(StreamId stream, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<IReadOnlyList<RetryCandidate>> GetRecordsNeedingRetryAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask RecordRetryAttemptAsync(RetryAttempt attempt, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<IReadOnlyList<RetryAttempt>> GetRetryLogAsync(StreamId stream, string key, CancellationToken cancellationToken) => throw new NotSupportedException();

        private FixtureStore Add(string stream, string key, string json)
        {
            var payload = Encoding.UTF8.GetBytes(json);
            _records.Add(new RawRecord
            {
                Stream = new StreamId(JibbleOptions.DefaultName, stream),
                Key = key,
                Version = 1,
                IsLatest = true,
                Payload = payload,
                Hash = ContentHasher.ComputeRaw(payload),
                FirstSeenAt = DateTimeOffset.UnixEpoch,
                FetchedAt = DateTimeOffset.UnixEpoch,
                LastVerifiedAt = DateTimeOffset.UnixEpoch,
            });
            return this;
        }
    }
}
