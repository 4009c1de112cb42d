using Ingestion.Samples.VendorSimulator;

namespace Ingestion.Connectors.Tests.Support;

/// <summary>
/// Runs a sync on a <see cref="SignallingTimeProvider"/> without real waits: every backoff or Retry-After wait shorter than
/// the attempt timeout is advanced as soon as it is armed, and the clock is moved past the attempt timeout exactly once for
/// each application of the given <see cref="FaultKind.SlowResponse"/> rules, while that response is held. Nothing else
/// ever reaches the attempt timeout, so a request is timed out only when a test means it, however loaded the machine.
/// </summary>
internal static class FaultClock
{
    /// <summary>Awaits <paramref name="sync"/> while driving <paramref name="clock"/> as described above.</summary>
    /// <remarks>
    /// Moving the clock past the attempt timeout times out every attempt in flight, so a slow response must be the only
    /// request in flight when its rule fires (sequential paging, or a child stream with a concurrency of one).
    /// </remarks>
    public static async Task<T> DriveAsync<T>(SignallingTimeProvider clock, Task<T> sync, TimeSpan attemptTimeout, params FaultRule[] slowResponses)
    {
        // A simulator on the same clock holds a slow response for its rule's delay: that wait is never advanced either.
        var driven = clock.DriveAsync(sync, due => due < attemptTimeout && slowResponses.All(rule => due < rule.Delay));
        var timedOut = new int[slowResponses.Length];
        while (true)
        {
            var next = slowResponses.Select((rule, i) => rule.WhenFired(timedOut[i] + 1)).ToArray();
            var first = await Task.WhenAny([driven, .. next]);
            if (first == driven)
            {
                return await driven;
            }

            timedOut[Array.IndexOf(next, first)]++;
            clock.Advance(attemptTimeout);
        }
    }
}
