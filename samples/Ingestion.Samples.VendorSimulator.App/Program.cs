using Ingestion.Samples.VendorSimulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// Runs the vendor simulator as a standalone server: dotnet run -- --urls http://127.0.0.1:5080
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    builder.WebHost.UseUrls("http://127.0.0.1:5080");
}

var options = new SimulatorOptions();
if (int.TryParse(builder.Configuration["seed"], System.Globalization.CultureInfo.InvariantCulture, out var seed))
{
    options.Seed = seed;
}

var watch = System.Diagnostics.Stopwatch.StartNew();
var state = new SimulatorState(options);
watch.Stop();
var app = builder.Build();
app.MapVendorSimulator(state);
await app.StartAsync().ConfigureAwait(false);

foreach (var address in app.Urls)
{
    var addresses = VendorSimulatorEndpoints.AddressesFor(new Uri(address), options);
    Console.WriteLine($"Vendor simulator listening on {addresses.BaseAddress}");
    Console.WriteLine($"  Employes        {addresses.Employes}{options.EmployesCompanyId}/employees   (Bearer {options.EmployesToken[..16]}...)");
    Console.WriteLine($"  Jibble token    {addresses.JibbleTokenEndpoint}   (client {options.JibbleClientId} / {options.JibbleClientSecret})");
    Console.WriteLine($"  Jibble people   {addresses.JibbleWorkspace}People");
    Console.WriteLine($"  Jibble entries  {addresses.JibbleTimeTracking}TimeEntries");
    Console.WriteLine($"  Finale          {addresses.FinaleApi}order/   (Basic {options.FinaleApiKey}:{options.FinaleApiSecret})");
}

Console.WriteLine($"Seed {options.Seed}: {state.Data.EmployeeIds.Count} employees, {state.Data.PersonIds.Count} people, {state.Data.TimeEntryCount} time entries, {state.Data.OrderIds.Count} orders generated in {watch.ElapsedMilliseconds} ms.");
Console.WriteLine("Press Ctrl+C to stop.");
await app.WaitForShutdownAsync().ConfigureAwait(false);
