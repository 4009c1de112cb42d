namespace Ingestion;

/// <summary>Options of the queue worker (section <c>Ingestion:Worker</c> by convention). Validated when the host starts.</summary>
public sealed class WorkerOptions
{
    /// <summary>Who claims, recorded on each job. Defaults to the machine name, process id and a random suffix.</summary>
    public string? WorkerId { get; set; }

    /// <summary>How many jobs of one type run at once on this host, unless <see cref="Concurrency"/> says otherwise. Defaults to 2.</summary>
    public int DefaultConcurrency { get; set; } = 2;

    /// <summary>How many jobs run at once per job type (for example <c>{"ingestion.sync": 4}</c>); 0 stops that type on this host.</summary>
    public IDictionary<string, int> Concurrency { get; } = new Dictionary<string, int>(StringComparer.Ordinal);

    /// <summary>How long a claim holds a job without a heartbeat. Defaults to 5 minutes.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often a running job's lease is extended; at most half of <see cref="LeaseDuration"/>. Defaults to 1 minute.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The longest an idle worker waits before it looks for jobs again when no enqueue notification arrives. Defaults to 5 seconds.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often expired leases (of workers that died) are made runnable again. Defaults to 1 minute.</summary>
    public TimeSpan RescueInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Whether jobs of a type no handler is registered for are dead-lettered with an error naming the type. Defaults to <see langword="true"/>.</summary>
    public bool DeadLetterUnknownJobTypes { get; set; } = true;

    /// <summary>The concurrency for <paramref name="jobType"/>.</summary>
    /// <param name="jobType">The job type.</param>
    /// <returns>How many of its jobs may run at once.</returns>
    public int ConcurrencyFor(string jobType) => Concurrency.TryGetValue(jobType, out var count) ? count : DefaultConcurrency;
}
