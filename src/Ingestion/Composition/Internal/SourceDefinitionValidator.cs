using Ingestion.Running.Internal;

namespace Ingestion.Composition.Internal;

/// <summary>
/// Checks a source definition before the host starts. Every message names the source, the stream and the option,
/// for example "Source 'catalog', stream 'products': Incremental.CursorField is required when Mode is Incremental".
/// </summary>
internal static class SourceDefinitionValidator
{
    public static IReadOnlyList<string> Validate(SourceDefinition source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var errors = new List<string>();
        var prefix = $"Source '{source.Name}'";

        if (string.IsNullOrWhiteSpace(source.Name))
        {
            errors.Add("A source has an empty Name.");
        }

        if (source.BaseAddress is null)
        {
            errors.Add($"{prefix}: BaseAddress is required.");
        }
        else if (!source.BaseAddress.IsAbsoluteUri)
        {
            errors.Add($"{prefix}: BaseAddress '{source.BaseAddress}' must be an absolute http or https address.");
        }
        else if (source.BaseAddress.Scheme is not ("http" or "https"))
        {
            errors.Add($"{prefix}: BaseAddress '{source.BaseAddress.GetLeftPart(UriPartial.Authority)}' must use http or https.");
        }

        ValidateBudget(source.RateBudget, prefix, errors);
        ValidateResilience(source.Resilience, prefix, errors);
        ValidateHosts(source, prefix, errors);

        if (source.Streams is null || source.Streams.Count == 0)
        {
            errors.Add($"{prefix}: at least one stream is required.");
            return errors;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var stream in source.Streams)
        {
            if (stream is null)
            {
                errors.Add($"{prefix}: Streams contains a null entry.");
                continue;
            }

            var at = $"{prefix}, stream '{stream.Name}'";
            if (string.IsNullOrWhiteSpace(stream.Name))
            {
                errors.Add($"{prefix}: a stream has an empty Name.");
            }
            else if (!seen.Add(stream.Name))
            {
                errors.Add($"{at}: the stream name is used more than once in the source.");
            }

            ValidateStream(stream, at, errors);

            if (stream.Parent is { } parent)
            {
                if (string.Equals(parent.Stream, stream.Name, StringComparison.Ordinal))
                {
                    errors.Add($"{at}: Parent.Stream names the stream itself.");
                }
                else if (source.FindStream(parent.Stream) is null)
                {
                    errors.Add($"{at}: Parent.Stream '{parent.Stream}' is not a stream of the source.");
                }
                else if (!seen.Contains(parent.Stream))
                {
                    errors.Add($"{at}: Parent.Stream '{parent.Stream}' must be listed before its child streams.");
                }

                ValidatePlaceholders(stream, parent, at, errors);
            }
        }

        return errors;
    }

    private static void ValidateStream(StreamDefinition stream, string at, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(stream.Path))
        {
            errors.Add($"{at}: Path is required.");
        }
        else
        {
            try
            {
                PathTemplate.Parse(stream.Path);
            }
            catch (FormatException exception)
            {
                errors.Add($"{at}: Path: {exception.Message}");
            }
        }

        if (stream.Paginator is null)
        {
            errors.Add($"{at}: Paginator is required (use Paginators.None() for a single request).");
        }

        if (stream.Records is null)
        {
            errors.Add($"{at}: Records is required.");
        }

        if (stream.KeyPath is not null)
        {
            CheckPath(stream.KeyPath, "KeyPath", at, errors);
        }
        else if (stream.Parent is null)
        {
            errors.Add($"{at}: KeyPath is required for a top-level stream (only child streams can take the parent's key).");
        }

        for (var i = 0; i < stream.IgnoredPaths.Count; i++)
        {
            CheckPath(stream.IgnoredPaths[i], $"IgnoredPaths[{i}]", at, errors);
        }

        if (stream.Mode == SyncMode.Incremental)
        {
            if (stream.Incremental is null || string.IsNullOrWhiteSpace(stream.Incremental.CursorField))
            {
                errors.Add($"{at}: Incremental.CursorField is required when Mode is Incremental.");
            }
            else
            {
                CheckField(stream.Incremental.CursorField, "Incremental.CursorField", at, errors);
                if (stream.Incremental.Overlap < TimeSpan.Zero)
                {
                    errors.Add($"{at}: Incremental.Overlap must not be negative (was {stream.Incremental.Overlap}).");
                }

                if (stream.Incremental.RequestParameter is { } parameter && string.IsNullOrWhiteSpace(parameter))
                {
                    errors.Add($"{at}: Incremental.RequestParameter must not be blank; leave it unset when PrepareRequest applies the watermark.");
                }
            }
        }

        var guard = stream.SnapshotGuard;
        if (guard is null)
        {
            errors.Add($"{at}: SnapshotGuard is required.");
        }
        else if (double.IsNaN(guard.MinimumRatio) || guard.MinimumRatio < 0 || guard.MinimumRatio > 1)
        {
            errors.Add($"{at}: SnapshotGuard.MinimumRatio must be between 0 and 1 (was {guard.MinimumRatio}).");
        }

        var limits = stream.Limits;
        if (limits is null)
        {
            errors.Add($"{at}: Limits is required.");
        }
        else
        {
            if (limits.MaxPages < 1)
            {
                errors.Add($"{at}: Limits.MaxPages must be at least 1 (was {limits.MaxPages}).");
            }

            if (limits.MaxRecords < 1)
            {
                errors.Add($"{at}: Limits.MaxRecords must be at least 1 (was {limits.MaxRecords}).");
            }

            if (limits.DelayBetweenRequests < TimeSpan.Zero)
            {
                errors.Add($"{at}: Limits.DelayBetweenRequests must not be negative (was {limits.DelayBetweenRequests}).");
            }

            if (limits.SilentTruncationCap is < 1)
            {
                errors.Add($"{at}: Limits.SilentTruncationCap must be at least 1 when set (was {limits.SilentTruncationCap}).");
            }
        }

        if (stream.MaxConcurrency < 1)
        {
            errors.Add($"{at}: MaxConcurrency must be at least 1 (was {stream.MaxConcurrency}).");
        }
    }

    private static void ValidatePlaceholders(StreamDefinition stream, ParentLink parent, string at, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(stream.Path) || parent.Placeholders.Count == 0)
        {
            return;
        }

        PathTemplate template;
        try
        {
            template = PathTemplate.Parse(stream.Path);
        }
        catch (FormatException)
        {
            return; // reported with the path
        }

        foreach (var name in template.Placeholders)
        {
            if (!parent.Placeholders.ContainsKey(name))
            {
                errors.Add($"{at}: the path placeholder '{{{name}}}' has no entry in Parent.Placeholders.");
            }
        }

        foreach (var (name, path) in parent.Placeholders)
        {
            if (!template.Placeholders.Contains(name, StringComparer.Ordinal))
            {
                errors.Add($"{at}: Parent.Placeholders['{name}'] does not appear in the path '{stream.Path}'.");
            }

            CheckField(path, $"Parent.Placeholders['{name}']", at, errors);
        }
    }

    private static void ValidateBudget(RateBudget? budget, string prefix, List<string> errors)
    {
        if (budget is null)
        {
            return;
        }

        Check(budget.PerSecond, "RateBudget.PerSecond");
        Check(budget.PerMinute, "RateBudget.PerMinute");
        Check(budget.PerHour, "RateBudget.PerHour");
        if (budget.MaxWait < TimeSpan.Zero)
        {
            errors.Add($"{prefix}: RateBudget.MaxWait must not be negative (was {budget.MaxWait}).");
        }

        void Check(int? value, string option)
        {
            if (value is < 1)
            {
                errors.Add($"{prefix}: {option} must be at least 1 when set (was {value}).");
            }
        }
    }

    private static void ValidateHosts(SourceDefinition source, string prefix, List<string> errors)
    {
        if (source.AllowedHosts is null)
        {
            errors.Add($"{prefix}: AllowedHosts must not be null (leave it empty to allow only the source's own hosts).");
        }
        else
        {
            for (var i = 0; i < source.AllowedHosts.Count; i++)
            {
                if (!Fetching.Internal.HostTrust.TryParseAllowed(source.AllowedHosts[i], out _, out _, out _))
                {
                    errors.Add($"{prefix}: AllowedHosts[{i}] '{source.AllowedHosts[i]}' must be a host name, 'host:port' or '*.domain', without scheme or path.");
                }
            }
        }

        if (source.MaxRedirects is < 0 or > 50)
        {
            errors.Add($"{prefix}: MaxRedirects must be between 0 and 50 (was {source.MaxRedirects}).");
        }
    }

    private static void ValidateResilience(ResilienceSettings? resilience, string prefix, List<string> errors)
    {
        if (resilience is null)
        {
            errors.Add($"{prefix}: Resilience is required.");
            return;
        }

        errors.AddRange(resilience.Validate($"{prefix}: Resilience."));
    }

    private static void CheckPath(string expression, string option, string at, List<string> errors)
    {
        try
        {
            JsonPath.Parse(expression);
        }
        catch (FormatException exception)
        {
            errors.Add($"{at}: {option}: {exception.Message}");
        }
    }

    private static void CheckField(string expression, string option, string at, List<string> errors)
    {
        try
        {
            RecordField.Parse(expression);
        }
        catch (Exception exception) when (exception is FormatException or ArgumentException)
        {
            errors.Add($"{at}: {option}: {exception.Message}");
        }
    }
}
