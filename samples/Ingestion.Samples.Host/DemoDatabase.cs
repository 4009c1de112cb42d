using Ingestion.Samples;

namespace Ingestion.Samples.Host;

/// <summary>
/// The PostgreSQL the host uses: <c>ConnectionStrings:Ingestion</c> when configured, otherwise a throwaway cluster
/// started from the machine's PostgreSQL binaries and deleted when the host exits.
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
            output.WriteLine("PostgreSQL: no ConnectionStrings:Ingestion configured, so a throwaway local cluster was started from this machine's binaries (deleted on exit).");
            return new DemoDatabase(server.AdminConnectionString, server);
        }
        catch (InvalidOperationException exception)
        {
            output.WriteLine("PostgreSQL is neither configured nor installed, so the sample cannot run.");
            output.WriteLine($"  {exception.Message}");
            output.WriteLine("  Set ConnectionStrings__Ingestion (for example \"Host=localhost;Username=postgres;Password=...;Database=ingestion\"), or install PostgreSQL's server binaries (apt-get install postgresql).");
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
