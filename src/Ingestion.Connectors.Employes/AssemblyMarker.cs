namespace Ingestion.Connectors.Employes;

/// <summary>Marks the assembly; replaced by the package's types.</summary>
internal static class AssemblyMarker
{
}
