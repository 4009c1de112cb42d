namespace Ingestion.Samples.VendorSimulator;

/// <summary>
/// The simulated records of all three vendors, generated deterministically from <see cref="SimulatorOptions.Seed"/>,
/// plus the mutation methods tests use so that a second sync sees exactly the changed records. Each vendor's
/// records, queries, mutations and generation live in its own partial file (SimulatorData.Employes.cs,
/// SimulatorData.Jibble.cs, SimulatorData.Finale.cs); this file holds construction, the lock and the mutation clock.
/// </summary>
public sealed partial class SimulatorData
{
    private static readonly string[] FirstNames =
    [
        "Sanne", "Daan", "Emma", "Lucas", "Julia", "Sem", "Tess", "Finn", "Mila", "Noah", "Anna", "Levi", "Sophie",
        "Bram", "Lotte", "Jesse", "Eva", "Thijs", "Fleur", "Ruben", "Ana", "Minh", "Priya", "Omar", "Chloe",
    ];

    private static readonly string[] Surnames =
    [
        "Jong", "Vries", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Vos", "Peters", "Hendriks", "Dekker",
        "Brouwer", "Dijk", "Berg", "Janssen", "Silva", "Nguyen", "Sharma", "Haddad", "Martin",
    ];

    private readonly SimulatorOptions _options;
    private readonly Random _mutationRandom;
    private DateTime _lastStamp;

    internal SimulatorData(SimulatorOptions options)
    {
        _options = options;
        Reference = options.ReferenceTime.UtcDateTime;
        var random = new Random(options.Seed);
        GenerateEmployes(new Random(random.Next()));
        GenerateJibble(new Random(random.Next()));
        GenerateFinale(new Random(random.Next()));
        if (options.FinaleOrderUrlSlugs)
        {
            // Finale's URL slug is its own number, not the order id (PO-10041): every generated order gets one.
            for (var i = 0; i < Orders.Count; i++)
            {
                Orders[i].UrlSlug = (100000 + (i * 7) + 3).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        _lastStamp = Reference;
        _mutationRandom = new Random(random.Next());
    }

    internal Lock Sync { get; } = new();

    internal DateTime Reference { get; }

    /// <summary>Next mutation stamp: the clock's now (whole seconds), but always after every earlier stamp.</summary>
    internal DateTime NextStamp()
    {
        var now = _options.TimeProvider.GetUtcNow().UtcDateTime;
        now = new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
        var latest = Orders.Count == 0 ? _lastStamp : Max(_lastStamp, Orders.Max(o => o.LastUpdatedDate));
        _lastStamp = now > latest ? now : latest.AddSeconds(1);
        return _lastStamp;
    }

    internal DateTime Now()
    {
        var now = _options.TimeProvider.GetUtcNow().UtcDateTime;
        return Max(now, _lastStamp);
    }

    private static DateTime Max(DateTime a, DateTime b) => a > b ? a : b;

    internal static Guid NewGuid(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }

    private static T Pick<T>(Random random, T[] items) => items[random.Next(items.Length)];
}
