using Ingestion.Samples;

namespace Ingestion.Samples.Host;

/// <summary>
/// The PostgreSQL the host uses: <c>ConnectionStrings:Ingestion</c> when configured, otherwise a Testcontainers
/// PostgreSQL when a Docker engine answers, otherwise a throwaway cluster started from the machine's PostgreSQL
/// binaries; a started server is removed when the host exits.
/// </summary>
internal sealed class DemoDatabase : IAsyncDisposable
{
    private readonly LocalPostgresServer? _throwaway;

    private DemoDatabase(string connectionString, LocalPostgresServer? throwaway)
    {
        ConnectionString = connectionString;
        _throwaway = throwaway;
    }

    public string ConnectionString { get; }

    /// <summary>Returns the database, or <see langword="null"/> after printing why none could be had.</summary>
    public static async Task<DemoDatabase?> OpenAsync(string? configured, TextWriter output, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            output.WriteLine("PostgreSQL: using ConnectionStrings:Ingestion.");
            return new DemoDatabase(configured, throwaway: null);
        }

        try
        {
            var server = await LocalPostgresServer.StartAsync(configured: null, cancellationToken);
            output.WriteLine($"PostgreSQL: {server.Description}; started because no ConnectionStrings:Ingestion is configured (removed on exit).");
            return new DemoDatabase(server.AdminConnectionString, server);
        }
        catch (InvalidOperationException exception)
        {
            output.WriteLine("PostgreSQL is neither configured, nor available through Docker, nor installed, so the sample cannot run.");
            output.WriteLine($"  {exception.Message}");
            output.WriteLine("  Set ConnectionStrings__Ingestion (for example \"Host=localhost;Username=postgres;Password=...;Database=ingestion\"), start Docker, or install PostgreSQL's server binaries (apt-get install postgresql).");
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_throwaway is not null)
        {
            await _throwaway.DisposeAsync();
        }
    }
}
