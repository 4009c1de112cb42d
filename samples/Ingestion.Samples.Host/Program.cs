using Ingestion.Samples.Host;

// dotnet run --project samples/Ingestion.Samples.Host            -> the demo: sync all three vendors twice, print the report, exit
// dotnet run --project samples/Ingestion.Samples.Host -- --serve -> keep running: scheduler, workers and the HTTP API
return await SampleHost.RunAsync(args);
