namespace Ingestion.Running.Internal;

/// <summary>
/// What a child stream needs of one parent record: its key and the values of the child's path placeholders
/// (in <see cref="ChildStreamPlan.Template"/> order; <see langword="null"/> where the parent had none). Small strings, not payloads.
/// </summary>
internal sealed record ParentValues(string Key, string?[] Values);
