namespace ItkWasmCluster.Grains.Jobs;

/// <summary>
/// The attempts that the partitions active on this silo have in flight on each silo of the cluster: a partition takes a
/// place before it sends an attempt and returns it when the attempt ends, and no silo gets more attempts than its
/// compute slots. A partition that finds every silo full waits for the next place returned, by any partition. Job
/// grains place their partitions on their own silo (<see cref="PartitionGrain"/>), so one silo's ledger sees all of a
/// job's attempts; partitions of jobs on different silos share a silo's slots through their own silos' ledgers (a silo
/// may then hold more attempts than slots, and queues them). A silo-wide singleton; thread-safe.
/// </summary>
internal sealed class AttemptLedger
{
    private readonly Dictionary<SiloAddress, int> inFlight = [];
    private readonly Lock sync = new();
    private TaskCompletionSource returned = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Returns how many attempts are in flight on <paramref name="silo"/>.</summary>
    public int InFlight(SiloAddress silo)
    {
        lock (sync)
        {
            return inFlight.GetValueOrDefault(silo);
        }
    }

    // Takes a place on the silo unless its slots are all taken; whether one was (Return gives it back).
    private bool TryTake(SiloAddress silo, int slots)
    {
        lock (sync)
        {
            var n = inFlight.GetValueOrDefault(silo);
            if (n >= slots)
            {
                return false;
            }

            inFlight[silo] = n + 1;
            return true;
        }
    }

    /// <summary>Takes a place on the silo of <paramref name="silos"/> with a free slot and the fewest attempts in flight
    /// per slot; ties go round by <paramref name="rotation"/> (a partition's number), so that partitions do not all
    /// pick the same silo. With no silos listed (membership has not listed even this one yet, as while it starts),
    /// takes one on <paramref name="local"/>, with no limit.</summary>
    /// <returns>The silo, or null when every silo's slots are taken.</returns>
    public SiloAddress? TakeLeastLoaded(IReadOnlyList<Hosting.SiloSlots> silos, int rotation, SiloAddress local)
    {
        if (silos.Count == 0)
        {
            return TryTake(local, int.MaxValue) ? local : null;
        }

        lock (sync)
        {
            Hosting.SiloSlots? best = null;
            var bestLoad = double.MaxValue;
            for (var k = 0; k < silos.Count; k++)
            {
                var s = silos[(k + rotation) % silos.Count];
                var used = inFlight.GetValueOrDefault(s.Silo);
                if (used < s.Slots && (used + 1.0) / s.Slots < bestLoad)
                {
                    (best, bestLoad) = (s, (used + 1.0) / s.Slots);
                }
            }

            if (best is null)
            {
                return null;
            }

            inFlight[best.Silo] = inFlight.GetValueOrDefault(best.Silo) + 1;
            return best.Silo;
        }
    }

    /// <summary>Gives back a place taken on <paramref name="silo"/>, and wakes whoever waits for one.</summary>
    public void Return(SiloAddress silo)
    {
        TaskCompletionSource woken;
        lock (sync)
        {
            inFlight[silo] = Math.Max(0, inFlight.GetValueOrDefault(silo) - 1);
            (woken, returned) = (returned, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        woken.TrySetResult();
    }

    /// <summary>Returns a task that completes when a place is next returned, on any silo.</summary>
    public Task WhenReturnedAsync()
    {
        lock (sync)
        {
            return returned.Task;
        }
    }
}
