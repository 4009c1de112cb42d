using Microsoft.Extensions.Options;

namespace Ingestion.Composition.Internal;

/// <summary>
/// Builds every registered source once, validates the lot, and serves lookups. Problems are collected,
/// not thrown one by one, so a host with several mistakes learns about all of them at start-up.
/// Sources loaded at run time (from a <see cref="ISourceDefinitionStore"/>) are added, replaced and removed atomically: a reader sees
/// either the old or the new definition, never a mix. They come after the registered sources and can never replace one.
/// </summary>
internal sealed class SourceCatalog : ISourceCatalog
{
    private readonly Lazy<(IReadOnlyList<SourceDefinition> Sources, IReadOnlyList<string> Errors)> _built;
    private readonly Lock _gate = new();
    private volatile SourceDefinition[] _dynamic = [];

    public SourceCatalog(IEnumerable<SourceRegistration> registrations, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(registrations);
        ArgumentNullException.ThrowIfNull(services);
        var list = registrations.ToList();
        _built = new(() => Build(list, services));
    }

    public IReadOnlyList<string> Errors => _built.Value.Errors;

    public IReadOnlyList<SourceDefinition> Sources
    {
        get
        {
            var registered = EnsureValid().Sources;
            var dynamic = _dynamic;
            return dynamic.Length == 0 ? registered : [.. registered, .. dynamic];
        }
    }

    /// <summary>The sources loaded at run time, in the order they were first added.</summary>
    public IReadOnlyList<SourceDefinition> RuntimeSources => _dynamic;

    public SourceDefinition? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var source in EnsureValid().Sources)
        {
            if (string.Equals(source.Name, name, StringComparison.Ordinal))
            {
                return source;
            }
        }

        foreach (var source in _dynamic)
        {
            if (string.Equals(source.Name, name, StringComparison.Ordinal))
            {
                return source;
            }
        }

        return null;
    }

    /// <summary>
    /// Adds a run-time source, or replaces the run-time source of the same name. Returns why it cannot, or <see langword="null"/>:
    /// a source registered in code or configuration is never replaced. The definition must already be validated.
    /// </summary>
    public string? AddOrReplaceRuntime(SourceDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        foreach (var registered in _built.Value.Sources)
        {
            if (string.Equals(registered.Name, definition.Name, StringComparison.OrdinalIgnoreCase))
            {
                return $"Source '{definition.Name}' is already registered in code or configuration (as '{registered.Name}'); a stored definition cannot replace it. Rename or disable the stored definition.";
            }
        }

        lock (_gate)
        {
            var current = _dynamic;
            for (var i = 0; i < current.Length; i++)
            {
                if (string.Equals(current[i].Name, definition.Name, StringComparison.Ordinal))
                {
                    var replaced = (SourceDefinition[])current.Clone();
                    replaced[i] = definition;
                    _dynamic = replaced;
                    return null;
                }

                if (string.Equals(current[i].Name, definition.Name, StringComparison.OrdinalIgnoreCase))
                {
                    return $"Source '{definition.Name}' differs only in case from the stored source '{current[i].Name}'; source names must be unique (ignoring case).";
                }
            }

            _dynamic = [.. current, definition];
            return null;
        }
    }

    /// <summary>Removes a run-time source; returns <see langword="false"/> when there is none of that name.</summary>
    public bool RemoveRuntime(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_gate)
        {
            var current = _dynamic;
            var kept = Array.FindAll(current, source => !string.Equals(source.Name, name, StringComparison.Ordinal));
            if (kept.Length == current.Length)
            {
                return false;
            }

            _dynamic = kept;
            return true;
        }
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
