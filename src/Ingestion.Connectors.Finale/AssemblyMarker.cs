namespace Ingestion.Connectors.Finale;

/// <summary>Marks the assembly; replaced by the package's types.</summary>
internal static class AssemblyMarker
{
}
