namespace Ingestion.Connectors.Employes;

/// <summary>Defaults of the Employes connector.</summary>
public static class EmployesDefaults
{
    /// <summary>The source name of an instance registered without one: <c>employes</c>.</summary>
    public const string SourceName = "employes";
}
