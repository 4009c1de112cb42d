using System.Text;

namespace Ingestion.Running.Internal;

/// <summary>A stream path with <c>{placeholders}</c>, filled with URL-escaped values.</summary>
internal sealed class PathTemplate
{
    private readonly string _path;

    private PathTemplate(string path, IReadOnlyList<string> placeholders)
    {
        _path = path;
        Placeholders = placeholders;
    }

    /// <summary>The placeholder names, in order of first appearance, without braces.</summary>
    public IReadOnlyList<string> Placeholders { get; }

    public static PathTemplate Parse(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var names = new List<string>();
        var index = 0;
        while ((index = path.IndexOf('{', index)) >= 0)
        {
            var close = path.IndexOf('}', index + 1);
            if (close < 0)
            {
                throw new FormatException($"The path '{path}' has an unclosed '{{' at position {index}.");
            }

            var name = path[(index + 1)..close];
            if (name.Length == 0)
            {
                throw new FormatException($"The path '{path}' has an empty placeholder '{{}}'.");
            }

            if (!names.Contains(name, StringComparer.Ordinal))
            {
                names.Add(name);
            }

            index = close + 1;
        }

        return new PathTemplate(path, names);
    }

    /// <summary>Fills the placeholders; <paramref name="valueOf"/> returns <see langword="null"/> for a value it does not have.</summary>
    /// <exception cref="InvalidOperationException">A placeholder has no value; the message names it.</exception>
    public string Fill(Func<string, string?> valueOf)
    {
        if (Placeholders.Count == 0)
        {
            return _path;
        }

        var builder = new StringBuilder(_path.Length + 32);
        var index = 0;
        while (index < _path.Length)
        {
            var open = _path.IndexOf('{', index);
            if (open < 0)
            {
                builder.Append(_path, index, _path.Length - index);
                break;
            }

            builder.Append(_path, index, open - index);
            var close = _path.IndexOf('}', open + 1);
            var name = _path[(open + 1)..close];
            var value = valueOf(name) ?? throw new InvalidOperationException($"The path placeholder '{{{name}}}' has no value.");
            builder.Append(Uri.EscapeDataString(value));
            index = close + 1;
        }

        return builder.ToString();
    }
}
