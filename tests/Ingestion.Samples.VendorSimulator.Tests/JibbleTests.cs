using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using static Ingestion.Samples.VendorSimulator.Tests.TestSupport;

namespace Ingestion.Samples.VendorSimulator.Tests;

public sealed class JibbleTests
{
    private const string JuneFilter = "$filter=belongsToDate ge 2026-06-01 and belongsToDate le 2026-06-30";

    [Fact]
    public async Task Token_endpoint_issues_tokens_for_good_credentials_only()
    {
        await using var sim = await VendorSimulator.StartAsync(Small(), Ct);
        using var client = sim.Client();

        using var good = await client.PostAsync(sim.JibbleTokenEndpoint, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = sim.Options.JibbleClientId,
            ["client_secret"] = sim.Options.JibbleClientSecret,
            ["scope"] = "api1",
        }), Ct);
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        using var token = JsonDocument.Parse(await good.Content.ReadAsStringAsync(Ct));
        Assert.Equal(3600, token.RootElement.GetProperty("expires_in").GetInt32());
        Assert.Equal("Bearer", token.RootElement.GetProperty("token_type").GetString());
        Assert.Equal(sim.Options.JibbleOrganizationId, token.RootElement.GetProperty("organizationId").GetGuid());
        Assert.True(token.RootElement.TryGetProperty("personId", out _));

        using var bad = await client.PostAsync(sim.JibbleTokenEndpoint, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = sim.Options.JibbleClientId,
            ["client_secret"] = "wrong",
        }), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("invalid_client", await bad.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        using var basic = new HttpRequestMessage(HttpMethod.Post, sim.JibbleTokenEndpoint)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials" }),
        };
        basic.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{sim.Options.JibbleClientId}:{sim.Options.JibbleClientSecret}")));
        using var basicResponse = await client.SendAsync(basic, Ct);
        Assert.Equal(HttpStatusCode.OK, basicResponse.StatusCode);

        var (unauthenticated, _) = await client.SendJsonAsync(Jibble(sim.TimeEntries(JuneFilter), "made-up"));
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
    }

    [Fact]
    public async Task Tokens_expire_after_expires_in()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 7, 1, 8, 0, 0, TimeSpan.Zero));
        await using var sim = await VendorSimulator.StartAsync(Small(o => o.TimeProvider = time), Ct);
        using var client = sim.Client();
        var token = await sim.JibbleTokenAsync(client);

        var (ok, _) = await client.SendJsonAsync(Jibble(new Uri(sim.JibbleWorkspaceAddress, "People"), token));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        time.Advance(TimeSpan.FromSeconds(3601));
        var (expired, _) = await client.SendJsonAsync(Jibble(new Uri(sim.JibbleWorkspaceAddress, "People"), token));
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        Assert.Contains("invalid_token", expired.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);

        var fresh = await sim.JibbleTokenAsync(client);
        var (again, _) = await client.SendJsonAsync(Jibble(new Uri(sim.JibbleWorkspaceAddress, "People"), fresh));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task Time_entries_are_filtered_by_unquoted_belongsToDate_and_paged_by_top_and_skip_without_nextLink()
    {
        await using var sim = await VendorSimulator.StartAsync(new SimulatorOptions(), Ct);
        using var client = sim.Client();
        var token = await sim.JibbleTokenAsync(client);
        var expected = sim.Data.CountTimeEntries(new DateOnly(2026, 6, 10), new DateOnly(2026, 6, 20));
        Assert.True(expected > 1000);

        var ids = new HashSet<Guid>();
        var skip = 0;
        var requests = 0;
        while (true)
        {
            var (response, json) = await client.SendJsonAsync(Jibble(sim.TimeEntries($"$filter=belongsToDate ge 2026-06-10 and belongsToDate le 2026-06-20&$orderby=time asc&$top=500&$skip={skip}"), token));
            requests++;
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.False(json.RootElement.TryGetProperty("@odata.nextLink", out _));
            Assert.False(json.RootElement.TryGetProperty("@odata.count", out _));
            var value = json.RootElement.GetProperty("value");
            foreach (var entry in value.EnumerateArray())
            {
                var date = DateOnly.ParseExact(entry.GetProperty("belongsToDate").GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture);
                Assert.InRange(date, new DateOnly(2026, 6, 10), new DateOnly(2026, 6, 20));
                ids.Add(entry.GetProperty("id").GetGuid());
            }

            if (value.GetArrayLength() < 500)
            {
                break;
            }

            skip += 500;
        }

        Assert.Equal(expected, ids.Count);
        Assert.Equal((expected / 500) + 1, requests);
        Assert.Equal(requests, sim.RequestCount(Vendor.Jibble, "/v1/TimeEntries"));

        // $top above the cap is silently capped at 1000; $count adds @odata.count.
        var (_, big) = await client.SendJsonAsync(Jibble(sim.TimeEntries("$filter=belongsToDate ge 2026-06-01 and belongsToDate le 2026-06-30&$top=5000&$count=true"), token));
        Assert.Equal(1000, big.RootElement.GetProperty("value").GetArrayLength());
        Assert.Equal(sim.Data.CountTimeEntries(new DateOnly(2026, 6, 1), new DateOnly(2026, 6, 30)), big.RootElement.GetProperty("@odata.count").GetInt32());
        Assert.EndsWith("/jibble-time/v1/$metadata#TimeEntries", big.RootElement.GetProperty("@odata.context").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Quoted_dates_are_rejected_and_unfiltered_time_entries_are_empty()
    {
        await using var sim = await VendorSimulator.StartAsync(Small(), Ct);
        using var client = sim.Client();
        var token = await sim.JibbleTokenAsync(client);

        var (quoted, json) = await client.SendJsonAsync(Jibble(sim.TimeEntries("$filter=belongsToDate ge '2026-06-01'"), token));
        Assert.Equal(HttpStatusCode.BadRequest, quoted.StatusCode);
        Assert.Contains("Edm.Date", json.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);

        var (unknown, _) = await client.SendJsonAsync(Jibble(sim.TimeEntries("$filter=nope eq 1"), token));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);

        var (unfiltered, all) = await client.SendJsonAsync(Jibble(sim.TimeEntries("$top=100"), token));
        Assert.Equal(HttpStatusCode.OK, unfiltered.StatusCode);
        Assert.Equal(0, all.RootElement.GetProperty("value").GetArrayLength());

        var person = sim.Data.PersonIds[0];
        var (_, byPerson) = await client.SendJsonAsync(Jibble(sim.TimeEntries($"$filter=personId eq {person} and status eq 'Active' and belongsToDate ge 2026-06-01"), token));
        Assert.All(byPerson.RootElement.GetProperty("value").EnumerateArray(), e => Assert.Equal(person, e.GetProperty("personId").GetGuid()));
    }

    [Fact]
    public async Task Time_entries_include_auto_outs_archived_pairs_open_ins_and_night_shifts()
    {
        await using var sim = await VendorSimulator.StartAsync(new SimulatorOptions(), Ct);
        using var client = sim.Client();
        var token = await sim.JibbleTokenAsync(client);
        var entries = new List<JsonElement>();
        for (var skip = 0; ; skip += 1000)
        {
            var (_, json) = await client.SendJsonAsync(Jibble(sim.TimeEntries($"$filter=belongsToDate ge 2026-05-01 and belongsToDate le 2026-07-01&$top=1000&$skip={skip}"), token));
            var value = json.RootElement.GetProperty("value");
            entries.AddRange(value.EnumerateArray().Select(e => e.Clone()));
            if (value.GetArrayLength() < 1000)
            {
                break;
            }
        }

        Assert.Equal(sim.Data.TimeEntryCount, entries.Count);
        Assert.Contains(entries, e => e.GetProperty("clientType").GetString() == "AutoOut" && e.GetProperty("type").GetString() == "Out");
        Assert.Contains(entries, e => e.GetProperty("status").GetString() == "Archived");
        Assert.Contains(entries, e => e.GetProperty("type").GetString() == "In" && e.GetProperty("nextTimeEntryId").ValueKind == JsonValueKind.Null);
        Assert.Contains(entries, e =>
            e.GetProperty("type").GetString() == "Out"
            && e.GetProperty("localTime").GetString()![..10] != e.GetProperty("belongsToDate").GetString());
        var fractionLengths = entries.Select(e => e.GetProperty("time").GetString()!).Select(t => t.Contains('.', StringComparison.Ordinal) ? t.Length - t.IndexOf('.', StringComparison.Ordinal) - 2 : 0).Distinct().Count();
        Assert.True(fractionLengths > 3);
    }

    [Fact]
    public async Task People_and_groups_use_the_odata_envelope_and_nextLink_can_be_switched_on()
    {
        await using var sim = await VendorSimulator.StartAsync(Small(o => o.JibbleEmitNextLink = true), Ct);
        using var client = sim.Client();
        var token = await sim.JibbleTokenAsync(client);

        var (_, people) = await client.SendJsonAsync(Jibble(new Uri(sim.JibbleWorkspaceAddress, "People?$top=15&$skip=0&$count=true"), token));
        Assert.Equal(40, people.RootElement.GetProperty("@odata.count").GetInt32());
        Assert.Equal(15, people.RootElement.GetProperty("value").GetArrayLength());
        Assert.True(people.RootElement.GetProperty("value")[0].TryGetProperty("@odata.etag", out _));
        var next = people.RootElement.GetProperty("@odata.nextLink").GetString()!;
        Assert.Contains("$skip=15", next, StringComparison.Ordinal);
        var (_, second) = await client.SendJsonAsync(Jibble(new Uri(next), token));
        Assert.Equal(15, second.RootElement.GetProperty("value").GetArrayLength());

        var (_, groups) = await client.SendJsonAsync(Jibble(new Uri(sim.JibbleWorkspaceAddress, "Groups"), token));
        Assert.Contains(groups.RootElement.GetProperty("value").EnumerateArray(), g => g.GetProperty("status").GetString() == "Removed");

        var (_, selected) = await client.SendJsonAsync(Jibble(new Uri(sim.JibbleWorkspaceAddress, "people?$select=id,fullName&$filter=status ne 'Removed'"), token));
        var first = selected.RootElement.GetProperty("value")[0];
        Assert.Equal(["@odata.etag", "id", "fullName"], first.EnumerateObject().Select(p => p.Name).ToArray());
    }

    [Fact]
    public async Task Added_time_entry_is_seen_in_its_date_window()
    {
        await using var sim = await VendorSimulator.StartAsync(Small(), Ct);
        using var client = sim.Client();
        var token = await sim.JibbleTokenAsync(client);
        var person = sim.Data.PersonIds[1];
        var before = sim.Data.CountTimeEntries(new DateOnly(2026, 6, 30), new DateOnly(2026, 6, 30));

        var id = sim.Data.AddTimeEntry(person, "In", new DateTimeOffset(2026, 6, 30, 10, 0, 0, TimeSpan.Zero), belongsToDate: new DateOnly(2026, 6, 30));

        var (_, json) = await client.SendJsonAsync(Jibble(sim.TimeEntries("$filter=belongsToDate ge 2026-06-30 and belongsToDate le 2026-06-30&$count=true"), token));
        Assert.Equal(before + 1, json.RootElement.GetProperty("@odata.count").GetInt32());
        Assert.Contains(json.RootElement.GetProperty("value").EnumerateArray(), e => e.GetProperty("id").GetGuid() == id);
    }
}
