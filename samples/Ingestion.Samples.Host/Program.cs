using Ingestion.Samples.Host;

// dotnet run --project samples/Ingestion.Samples.Host            -> the demo: sync all three vendors twice, print the report, exit
// dotnet run --project samples/Ingestion.Samples.Host -- --serve -> keep running: scheduler, workers, the dashboard at /ingestion and the API
return await SampleHost.RunAsync(args);
