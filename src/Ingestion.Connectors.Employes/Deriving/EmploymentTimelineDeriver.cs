using Ingestion.Connectors.Employes.Deriving.Internal;

namespace Ingestion.Connectors.Employes;

/// <summary>
/// Derives each employee's employment timeline from the raw <see cref="EmployesStreams.Employments"/> record:
/// <c>contract_started</c>, <c>contract_renewed</c>, <c>contract_ended</c> (an end date that has passed) or
/// <c>contract_end_planned</c> (one still ahead), <c>salary_increase</c> / <c>salary_decrease</c>
/// (amount and percentage; the title states the monthly amount, <c>+€137.00/month</c>, when both periods have a monthly
/// wage) and <c>hours_change</c> (from and to), each dated, keyed
/// <c>{employeeId}:{kind}:{yyyy-MM-dd}</c> and derived again in full whenever the employee's employments change, so
/// re-deriving never duplicates an event.
/// </summary>
public sealed class EmploymentTimelineDeriver : ITimeSensitiveDeriver
{
    private readonly StreamId _employments;

    /// <summary>Creates the deriver for the Employes source <paramref name="sourceName"/>.</summary>
    /// <param name="sourceName">The source (connector instance) name. Defaults to <c>employes</c>.</param>
    public EmploymentTimelineDeriver(string sourceName = EmployesDefaults.SourceName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceName);
        _employments = new StreamId(sourceName, EmployesStreams.Employments);
        Name = sourceName + ".timeline";
        Inputs = [_employments];
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    /// <remarks>3: a salary change's title states the monthly amount when both periods have a monthly wage (<c>month_amount</c>).</remarks>
    public int Version => 3;

    /// <inheritdoc />
    public IReadOnlyList<StreamId> Inputs { get; }

    /// <inheritdoc />
    /// <remarks>A planned contract end becomes an ended contract once its day has passed.</remarks>
    public IReadOnlyCollection<string> KindsDueAtEffectiveDate { get; } = [EmploymentTimeline.ContractEndPlanned];

    /// <inheritdoc />
    public string? GetInputKey(StreamId stream, string recordKey, ReadOnlyMemory<byte> payload) =>
        stream == _employments && !string.IsNullOrEmpty(recordKey) ? recordKey : null;

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<DerivedRecord>> DeriveAsync(string inputKey, DerivationContext context, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(inputKey);
        ArgumentNullException.ThrowIfNull(context);
        var record = await context.RawStore.GetLatestAsync(_employments, inputKey, cancellationToken).ConfigureAwait(false);
        if (record is null || record.IsPartial || !record.IsJson || record.DeletedAt is not null)
        {
            return [];
        }

        return EmploymentTimeline.Derive(inputKey, record.Payload, DateOnly.FromDateTime(context.TimeProvider.GetUtcNow().UtcDateTime));
    }
}
