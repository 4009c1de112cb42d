namespace Ingestion.Connectors.Employes;

/// <summary>The stream names of an Employes source.</summary>
public static class EmployesStreams
{
    /// <summary>Employees (<c>GET /v4/{companyId}/employees</c>, paged): a full snapshot keyed by employee id.</summary>
    public const string Employees = "employees";

    /// <summary>
    /// Each employee's employment history (<c>GET /v4/{companyId}/employees/{id}/employments</c>): one record per employee,
    /// keyed by the employee id, whose payload is the array of employment periods (salary, hours and contracts).
    /// </summary>
    public const string Employments = "employments";
}
