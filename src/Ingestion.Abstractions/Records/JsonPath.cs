namespace Ingestion;

/// <summary>
/// A compiled JSON path of the subset the library supports: <c>$</c> (the root), dotted names
/// (<c>$.data.items</c>, or <c>data.items</c> without the <c>$</c>), quoted names (<c>$['@odata.count']</c>)
/// and array indexes (<c>$.items[0]</c>). Evaluation reads UTF-8 bytes with <c>Utf8JsonReader</c>
/// and returns slices of the input, without building a DOM.
/// </summary>
public sealed partial class JsonPath
{
    /// <summary>The expression this path was parsed from.</summary>
    public string Expression { get; }

    /// <summary>Parses an expression.</summary>
    /// <param name="expression">The expression.</param>
    /// <returns>The compiled path.</returns>
    /// <exception cref="FormatException">The expression is not in the supported subset; the message quotes it.</exception>
    public static JsonPath Parse(string expression) => new(expression);

    /// <summary>Returns the expression.</summary>
    public override string ToString() => Expression;
}
