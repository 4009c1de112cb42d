using Polly;
using Polly.Telemetry;

namespace Ingestion.Fetching.Internal;

/// <summary>
/// The attempt's place in a source's resilience pipeline, innermost, inside the retry and circuit breaker: it passes each
/// attempt on as it is, without an asynchronous frame of its own, to <see cref="AttemptHandler"/>, which does the attempt's
/// work (rate budget, timeout, redirects, body, bookkeeping) because each strategy with work of its own would cost every request
/// asynchronous frames. It is a strategy so that Polly's telemetry names the attempt, and is added only when the host turned
/// that telemetry on: the handler reports an attempt that timed out as this strategy's <c>OnTimeout</c> event, as Polly's
/// timeout strategy would.
/// </summary>
internal sealed class AttemptStrategy : ResilienceStrategy<HttpResponseMessage>
{
    /// <summary>Adds the strategy, keeping its telemetry on <paramref name="state"/> for the handler's reports.</summary>
    public static void AddTo(ResiliencePipelineBuilder<HttpResponseMessage> builder, SourceHttpState state) =>
        builder.AddStrategy(
            context =>
            {
                state.AttemptTelemetry = context.Telemetry;
                return new AttemptStrategy();
            },
            new Options());

    protected override ValueTask<Outcome<HttpResponseMessage>> ExecuteCore<TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<HttpResponseMessage>>> callback, ResilienceContext context, TState state) =>
        callback(context, state);

    /// <summary>The strategy's name in the pipeline's telemetry.</summary>
    private sealed class Options : ResilienceStrategyOptions
    {
        public Options() => Name = "Attempt";
    }
}
