using System.Buffers;
using System.Net;

namespace Ingestion.Fetching.Internal;

/// <summary>
/// A response body read into one array rented from <see cref="ArrayPool{T}.Shared"/>. Records are sliced from it
/// without copies; the array goes back to the pool when the response is disposed (when the next page is asked for).
/// </summary>
internal sealed class PooledBufferContent : HttpContent
{
    private const int InitialSize = 16 * 1024;
    private byte[]? _buffer;
    private readonly int _length;

    private PooledBufferContent(byte[] buffer, int length)
    {
        _buffer = buffer;
        _length = length;
    }

    public ReadOnlyMemory<byte> Memory => _buffer is { } buffer ? buffer.AsMemory(0, _length) : throw new ObjectDisposedException(nameof(PooledBufferContent));

    /// <summary>Reads <paramref name="content"/> to its end into a pooled array, copying its headers; the caller disposes the original.</summary>
    public static async Task<PooledBufferContent> LoadAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var declared = content.Headers.ContentLength;
        var buffer = ArrayPool<byte>.Shared.Rent(declared is > 0 and < int.MaxValue / 2 ? (int)declared + 1 : InitialSize);
        var length = 0;
        try
        {
            var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                while (true)
                {
                    if (length == buffer.Length)
                    {
                        var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }

                    var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    length += read;
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        // The headers are copied as they arrived, without parsing them: a reader parses what it reads, as on the original.
        var pooled = new PooledBufferContent(buffer, length);
        foreach (var header in content.Headers.NonValidated)
        {
            if (string.Equals(header.Key, "Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            foreach (var value in header.Value)
            {
                pooled.Headers.TryAddWithoutValidation(header.Key, value);
            }
        }

        return pooled;
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        stream.WriteAsync(Memory).AsTask();

    protected override bool TryComputeLength(out long length)
    {
        length = _length;
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _buffer, null) is { } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        base.Dispose(disposing);
    }
}
