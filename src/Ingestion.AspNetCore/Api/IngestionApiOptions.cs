namespace Ingestion;

/// <summary>How the HTTP API behaves (<c>MapIngestionApi</c>).</summary>
public sealed class IngestionApiOptions
{
    /// <summary>The default header a machine caller sends its shared secret in.</summary>
    public const string DefaultSecretHeader = "X-Ingestion-Secret";

    /// <summary>The header that carries the shared secret. Defaults to <see cref="DefaultSecretHeader"/>.</summary>
    public string SecretHeader { get; set; } = DefaultSecretHeader;

    /// <summary>
    /// The shared secrets a machine caller (an external cron service) may send in <see cref="SecretHeader"/>, compared in
    /// constant time and never logged. Keep two while rotating: add the new one, move the callers, remove the old one. Empty
    /// (the default) turns the header off: only local requests, or those the endpoint's authorization policy lets in, are
    /// answered.
    /// </summary>
    public IList<string> Secrets { get; } = [];

    /// <summary>Whether the API only reads: sync now, retry now and requeue answer 403. Defaults to <see langword="false"/>.</summary>
    public bool ReadOnly { get; set; }
}
