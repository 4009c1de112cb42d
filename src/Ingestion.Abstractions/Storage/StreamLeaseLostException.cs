namespace Ingestion;

/// <summary>
/// Thrown by a store that refused a batch (<see cref="RawBatch.RequiresLease"/>) because its run no longer holds the stream's
/// lease: another run took the stream, and nothing of the batch was written.
/// </summary>
public sealed class StreamLeaseLostException : InvalidOperationException
{
    /// <summary>Creates the exception with a default message.</summary>
    public StreamLeaseLostException()
        : base("The run no longer holds its stream's lease; the batch was not written.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What was refused, and which run holds the stream.</param>
    public StreamLeaseLostException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    /// <param name="message">What was refused, and which run holds the stream.</param>
    /// <param name="innerException">The cause.</param>
    public StreamLeaseLostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
