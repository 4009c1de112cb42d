namespace Ingestion;

/// <summary>The hash function a <see cref="ContentHash"/> was made with. A store records it with every hash it keeps.</summary>
public enum ContentHashAlgorithm
{
    /// <summary>SHA-256 (32 bytes): what every hash was made with before XxHash128 became the default.</summary>
    Sha256 = 0,

    /// <summary>XxHash128 (16 bytes), non-cryptographic and several times faster: the default.</summary>
    XxHash128 = 1,
}
