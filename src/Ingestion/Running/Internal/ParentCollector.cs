namespace Ingestion.Running.Internal;

/// <summary>Collects, per child stream, the placeholder values of the parent records a run committed (each parent key once).</summary>
internal sealed class ParentCollector
{
    private readonly Dictionary<ChildStreamPlan, (List<ParentValues> Parents, HashSet<string> Keys)> _byChild;

    public ParentCollector(IReadOnlyList<ChildStreamPlan> children)
    {
        _byChild = children.ToDictionary(child => child, _ => (new List<ParentValues>(), new HashSet<string>(StringComparer.Ordinal)));
        Children = children;
    }

    public IReadOnlyList<ChildStreamPlan> Children { get; }

    public void Add(ChildStreamPlan child, ParentValues parent)
    {
        var (parents, keys) = _byChild[child];
        lock (parents)
        {
            if (keys.Add(parent.Key))
            {
                parents.Add(parent);
            }
        }
    }

    public IReadOnlyList<ParentValues> ParentsFor(ChildStreamPlan child) => _byChild[child].Parents;
}
