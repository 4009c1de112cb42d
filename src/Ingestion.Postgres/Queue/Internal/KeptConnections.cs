using System.Collections.Concurrent;
using System.Data;
using Ingestion.Postgres.Internal;
using Npgsql;

namespace Ingestion.Postgres.Queue.Internal;

/// <summary>
/// Open connections a busy queue keeps between its claims and completions. A connection taken from Npgsql's pool is reset on
/// its way back (the reset runs ahead of its next statement), a cost one-job claims would pay once per job; a kept connection
/// skips it. Only a call that did work keeps its connection: a worker that found the queue empty is about to wait, and its
/// connection goes back to the pool, which prunes idle ones. At most a quarter of the pool's size is kept, so job handlers
/// that use the same data source always find connections. A connection that failed is never kept.
/// </summary>
internal sealed class KeptConnections : IAsyncDisposable, IDisposable
{
    private readonly PostgresStoreContext _context;
    private readonly ConcurrentStack<NpgsqlConnection> _kept = new();
    private readonly int _capacity;
    private int _count;
    private volatile bool _disposed;

    public KeptConnections(PostgresStoreContext context)
    {
        _context = context;
        _capacity = Math.Max(1, new NpgsqlConnectionStringBuilder(context.DataSource.ConnectionString).MaxPoolSize / 4);
    }

    /// <summary>How many connections are kept now (for tests).</summary>
    internal int Count => _kept.Count;

    /// <summary>The server processes of the kept connections (for tests).</summary>
    internal IReadOnlyList<int> ProcessIds => [.. _kept.Select(connection => connection.ProcessID)];

    /// <summary>A kept connection when one is open (<c>Kept</c> is then true), else one from the pool.</summary>
    public async ValueTask<(NpgsqlConnection Connection, bool Kept)> RentAsync(CancellationToken cancellationToken)
    {
        while (_kept.TryPop(out var connection))
        {
            Interlocked.Decrement(ref _count);
            if (connection.FullState == ConnectionState.Open)
            {
                return (connection, true);
            }

            await connection.DisposeAsync().ConfigureAwait(false);
        }

        return (await _context.OpenAsync(cancellationToken).ConfigureAwait(false), false);
    }

    /// <summary>Keeps the connection for the next call when <paramref name="keep"/> and there is room; else gives it back to the pool.</summary>
    public async ValueTask ReturnAsync(NpgsqlConnection connection, bool keep)
    {
        if (keep && !_disposed && connection.FullState == ConnectionState.Open)
        {
            if (Interlocked.Increment(ref _count) <= _capacity)
            {
                _kept.Push(connection);

                // A disposal that ran between the check above and the push would have missed this one.
                if (_disposed)
                {
                    await CloseAllAsync().ConfigureAwait(false);
                }

                return;
            }

            Interlocked.Decrement(ref _count);
        }

        await connection.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Whether a failure left the connection unusable, so that the call can be made again on another.</summary>
    public static bool IsBroken(NpgsqlConnection connection, Exception exception) =>
        exception is NpgsqlException && connection.FullState is ConnectionState.Broken or ConnectionState.Closed;

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        await CloseAllAsync().ConfigureAwait(false);
    }

    public void Dispose()
    {
        _disposed = true;
        while (_kept.TryPop(out var connection))
        {
            Interlocked.Decrement(ref _count);
            connection.Dispose();
        }
    }

    private async ValueTask CloseAllAsync()
    {
        while (_kept.TryPop(out var connection))
        {
            Interlocked.Decrement(ref _count);
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
