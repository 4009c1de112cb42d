namespace Ingestion.Conformance;

internal static class AssemblyMarker
{
}
