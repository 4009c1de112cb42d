using System.Net;
using Ingestion.Connectors.Employes.Deriving.Internal;

namespace Ingestion.Connectors.Employes.Internal;

/// <summary>Builds the source definition of one Employes account from its validated options.</summary>
internal static class EmployesSource
{
    public static SourceDefinition Build(string name, EmployesOptions options, EmployesOptionsValidator keys)
    {
        var token = options.BearerToken!.Trim();
        var company = Guid.Parse(options.CompanyId!).ToString("D");
        var authenticator = new EmployesTokenAuthenticator(token, name, keys.Key(nameof(EmployesOptions.BearerToken)), options.TokenExpiryWarning);
        var errors = new EmployesErrors(name, keys, authenticator.ExpiresAt);

        var source = new RestSourceBuilder(name)
            .BaseAddress(options.BaseAddress)
            .Auth(authenticator)
            .Header("Accept", "application/json")
            .Resilience(options.Resilience)
            .InterpretErrors(errors.Interpret)
            .Stream(EmployesStreams.Employees, employees => employees
                .Get(company + "/employees")
                .Records("$.data")
                .Key("id")
                .Paginate(Paginators.PageNumber("page", "per_page", options.PerPage, firstPage: 1, totalPagesPath: "$.pages"))
                .FullSnapshot()
                .Child(EmployesStreams.Employments, employments => employments
                    .Get(company + "/employees/{id}/employments")
                    .Records(EmploymentsSelector.Instance)
                    .KeyFromParent()
                    // An employee without employments answers 404 or an empty body: an empty child, not a failure, so the
                    // run stays complete and a record kept from earlier is marked deleted.
                    .NoDataOn(HttpStatusCode.NotFound)
                    .EmptyBodyMeansNoData()
                    .MaxConcurrency(options.MaxConcurrency)
                    .FullSnapshot()));

        if (options.RequestsPerSecond > 0)
        {
            source.RateLimit(perSecond: options.RequestsPerSecond);
        }

        return source.Build();
    }
}
