using Ingestion.Samples.Cli;

return await CliApplication.CreateDefault().RunAsync(args);
