namespace Ingestion;

/// <summary>Creates the standard authenticators.</summary>
public static partial class Authenticators
{
}
