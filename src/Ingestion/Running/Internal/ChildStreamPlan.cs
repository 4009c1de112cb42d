namespace Ingestion.Running.Internal;

/// <summary>How a child stream takes its placeholder values from a parent record.</summary>
internal sealed class ChildStreamPlan
{
    private readonly RecordField?[] _fields;

    public ChildStreamPlan(StreamDefinition child)
    {
        Stream = child;
        Template = PathTemplate.Parse(child.Path);
        var mapping = child.Parent?.Placeholders ?? new Dictionary<string, string>();
        _fields = new RecordField?[Template.Placeholders.Count];
        for (var i = 0; i < _fields.Length; i++)
        {
            // Without a mapping every placeholder takes the parent's key.
            _fields[i] = mapping.Count == 0 ? null : RecordField.Parse(mapping[Template.Placeholders[i]]);
        }
    }

    public StreamDefinition Stream { get; }

    public PathTemplate Template { get; }

    public ParentValues Capture(string parentKey, ReadOnlySpan<byte> parentPayload)
    {
        var values = new string?[_fields.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = _fields[i] is { } field ? field.Read(parentPayload) : parentKey;
        }

        return new ParentValues(parentKey, values);
    }

    /// <summary>Describes the placeholder a parent has no value for, or returns <see langword="null"/>.</summary>
    public string? DescribeMissing(ParentValues parent)
    {
        for (var i = 0; i < parent.Values.Length; i++)
        {
            if (parent.Values[i] is null)
            {
                var path = Stream.Parent?.Placeholders.GetValueOrDefault(Template.Placeholders[i]) ?? "the key";
                return $"The parent record '{parent.Key}' has no value at '{path}' for the path placeholder '{{{Template.Placeholders[i]}}}'.";
            }
        }

        return null;
    }

    public string? ValueOf(ParentValues parent, string placeholder)
    {
        for (var i = 0; i < Template.Placeholders.Count; i++)
        {
            if (string.Equals(Template.Placeholders[i], placeholder, StringComparison.Ordinal))
            {
                return parent.Values[i];
            }
        }

        return null;
    }
}
