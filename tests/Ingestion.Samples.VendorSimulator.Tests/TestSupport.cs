using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Ingestion.Samples.VendorSimulator.Tests;

internal static class TestSupport
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static SimulatorOptions Small(Action<SimulatorOptions>? configure = null)
    {
        var options = new SimulatorOptions
        {
            EmployeeCount = 250,
            PeopleCount = 40,
            TimeEntryDays = 30,
            PurchaseOrderCount = 600,
            ProductCount = 60,
            FacilityCount = 4,
        };
        configure?.Invoke(options);
        return options;
    }

    public static HttpClient Client(this VendorSimulator simulator) => new() { BaseAddress = simulator.BaseAddress };

    public static HttpRequestMessage Employes(this VendorSimulator simulator, string relative, string? token = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(simulator.EmployesBaseAddress, relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token ?? simulator.Options.EmployesToken);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }

    public static string EmployeesPath(this VendorSimulator simulator) => $"{simulator.Options.EmployesCompanyId}/employees";

    public static async Task<string> JibbleTokenAsync(this VendorSimulator simulator, HttpClient client)
    {
        using var response = await client.PostAsync(simulator.JibbleTokenEndpoint, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = simulator.Options.JibbleClientId,
            ["client_secret"] = simulator.Options.JibbleClientSecret,
        }), Ct);
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        return json.RootElement.GetProperty("access_token").GetString()!;
    }

    public static HttpRequestMessage Jibble(Uri address, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, address);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    public static Uri TimeEntries(this VendorSimulator simulator, string query) =>
        new(simulator.JibbleTimeTrackingAddress, "TimeEntries?" + query);

    public static HttpRequestMessage Finale(this VendorSimulator simulator, string relative, string? key = null, string? secret = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(simulator.FinaleApiAddress, relative));
        var raw = $"{key ?? simulator.Options.FinaleApiKey}:{secret ?? simulator.Options.FinaleApiSecret}";
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(raw)));
        return request;
    }

    public static HttpRequestMessage FinaleReport(this VendorSimulator simulator, string data, string kind = "pivotTable")
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(simulator.FinaleBaseAddress, $"{simulator.Options.FinaleAccountPath}/doc/report/{kind}/1700/Report.csv?format=csv&data={data}"));
        var raw = $"{simulator.Options.FinaleApiKey}:{simulator.Options.FinaleApiSecret}";
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(raw)));
        return request;
    }

    public static string Filter(object filter) =>
        Uri.EscapeDataString(Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(filter)));

    public static string Window(DateTime from, DateTime to) => Filter(new Dictionary<string, string?[]>
    {
        ["lastUpdatedDate"] = [from.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture), to.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)],
    });

    public static async Task<(HttpResponseMessage Response, JsonDocument Json)> SendJsonAsync(this HttpClient client, HttpRequestMessage request)
    {
        var response = await client.SendAsync(request, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        var isJson = response.Content.Headers.ContentType?.MediaType == "application/json";
        return (response, JsonDocument.Parse(body.Length == 0 || !isJson ? "null" : body));
    }

    /// <summary>Turns a column-major collection into rows.</summary>
    public static List<Dictionary<string, JsonElement>> Rows(JsonElement collection)
    {
        var rows = new List<Dictionary<string, JsonElement>>();
        foreach (var column in collection.EnumerateObject())
        {
            var i = 0;
            foreach (var value in column.Value.EnumerateArray())
            {
                if (rows.Count <= i)
                {
                    rows.Add([]);
                }

                rows[i++][column.Name] = value;
            }
        }

        return rows;
    }
}
