using Microsoft.Extensions.Options;

namespace Ingestion.Composition.Internal;

/// <summary>
/// Builds every registered source once, validates the lot, and serves lookups. Problems are collected,
/// not thrown one by one, so a host with several mistakes learns about all of them at start-up.
/// </summary>
internal sealed class SourceCatalog : ISourceCatalog
{
    private readonly Lazy<(IReadOnlyList<SourceDefinition> Sources, IReadOnlyList<string> Errors)> _built;

    public SourceCatalog(IEnumerable<SourceRegistration> registrations, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(registrations);
        ArgumentNullException.ThrowIfNull(services);
        var list = registrations.ToList();
        _built = new(() => Build(list, services));
    }

    public IReadOnlyList<string> Errors => _built.Value.Errors;

    public IReadOnlyList<SourceDefinition> Sources => EnsureValid().Sources;

    public SourceDefinition? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var source in Sources)
        {
            if (string.Equals(source.Name, name, StringComparison.Ordinal))
            {
                return source;
            }
        }

        return null;
    }

    private (IReadOnlyList<SourceDefinition> Sources, IReadOnlyList<string> Errors) EnsureValid()
    {
        var built = _built.Value;
        if (built.Errors.Count > 0)
        {
            throw new OptionsValidationException(nameof(ISourceCatalog), typeof(ISourceCatalog), built.Errors);
        }

        return built;
    }

    private static (IReadOnlyList<SourceDefinition>, IReadOnlyList<string>) Build(List<SourceRegistration> registrations, IServiceProvider services)
    {
        var sources = new List<SourceDefinition>();
        var errors = new List<string>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var registration in registrations)
        {
            if (!names.Add(registration.Name))
            {
                errors.Add($"Source '{registration.Name}' is registered more than once; source names must be unique (ignoring case).");
                continue;
            }

            SourceDefinition definition;
            try
            {
                definition = registration.Factory(services);
            }
            catch (OptionsValidationException exception)
            {
                errors.AddRange(exception.Failures);
                continue;
            }
            catch (Exception exception) when (exception is InvalidOperationException or ArgumentException or FormatException)
            {
                errors.Add(exception.Message.Contains($"'{registration.Name}'", StringComparison.Ordinal)
                    ? exception.Message
                    : $"Source '{registration.Name}': {exception.Message}");
                continue;
            }

            if (definition is null)
            {
                errors.Add($"Source '{registration.Name}': the registration built no definition.");
                continue;
            }

            if (!string.Equals(definition.Name, registration.Name, StringComparison.Ordinal))
            {
                errors.Add($"Source '{registration.Name}': the definition is named '{definition.Name}'; the registration and definition names must match.");
                continue;
            }

            var problems = SourceDefinitionValidator.Validate(definition);
            if (problems.Count > 0)
            {
                errors.AddRange(problems);
                continue;
            }

            sources.Add(definition);
        }

        return (sources, errors);
    }
}
