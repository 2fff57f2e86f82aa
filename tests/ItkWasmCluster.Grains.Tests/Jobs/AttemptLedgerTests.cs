using System.Net;
using ItkWasmCluster.Grains.Hosting;
using ItkWasmCluster.Grains.Jobs;

namespace ItkWasmCluster.Grains.Tests.Jobs;

/// <summary>The ledger of attempts in flight per silo: never more than a silo's slots, the least loaded silo per slot
/// first, a silo listed later gets work at once, and a returned place wakes whoever waits.</summary>
public sealed class AttemptLedgerTests
{
    private static readonly SiloAddress Local = Silo(1);

    [Fact]
    public void Takes_FillEverySiloToItsSlots_InProportion_AndNoFurther()
    {
        var ledger = new AttemptLedger();
        SiloSlots[] silos = [new(Silo(1), 1, []), new(Silo(2), 2, []), new(Silo(3), 3, [])];
        var taken = Enumerable.Range(0, 6).Select(_ => ledger.TakeLeastLoaded(silos, 0, Local)).ToList();

        Assert.DoesNotContain(null, taken);
        Assert.Equal([1, 2, 3], silos.Select(s => taken.Count(t => t == s.Silo)));
        Assert.Null(ledger.TakeLeastLoaded(silos, 0, Local)); // every slot taken
        // A returned place is taken again on its silo, the only one with a free slot.
        ledger.Return(Silo(2));
        Assert.Equal(Silo(2), ledger.TakeLeastLoaded(silos, 0, Local));
    }

    [Fact]
    public void ASiloListedLater_GetsTheNextAttempts()
    {
        var ledger = new AttemptLedger();
        SiloSlots[] first = [new(Silo(1), 2, []), new(Silo(2), 2, [])];
        for (var i = 0; i < 4; i++)
        {
            Assert.NotNull(ledger.TakeLeastLoaded(first, i, Local));
        }

        Assert.Null(ledger.TakeLeastLoaded(first, 0, Local));
        SiloSlots[] joined = [.. first, new(Silo(3), 2, [])];
        Assert.Equal(Silo(3), ledger.TakeLeastLoaded(joined, 0, Local));
        Assert.Equal(Silo(3), ledger.TakeLeastLoaded(joined, 1, Local));
        Assert.Null(ledger.TakeLeastLoaded(joined, 0, Local));
    }

    [Fact]
    public void Ties_GoRoundByRotation()
    {
        var ledger = new AttemptLedger();
        SiloSlots[] silos = [new(Silo(1), 4, []), new(Silo(2), 4, []), new(Silo(3), 4, [])];
        Assert.Equal(Silo(1), ledger.TakeLeastLoaded(silos, 0, Local));
        Assert.Equal(Silo(3), new AttemptLedger().TakeLeastLoaded(silos, 2, Local));
    }

    [Fact]
    public async Task AReturnedPlace_WakesAWaiter()
    {
        var ledger = new AttemptLedger();
        SiloSlots[] silos = [new(Silo(1), 1, [])];
        Assert.Equal(Silo(1), ledger.TakeLeastLoaded(silos, 0, Local));
        var returned = ledger.WhenReturnedAsync();
        Assert.False(returned.IsCompleted);
        ledger.Return(Silo(1));
        await returned.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(0, ledger.InFlight(Silo(1)));
    }

    [Fact]
    public void NoSiloListed_RunsLocally_WithoutALimit()
    {
        var ledger = new AttemptLedger();
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(Local, ledger.TakeLeastLoaded([], 0, Local));
        }
    }

    private static SiloAddress Silo(int n) => SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11110 + n), 1);
}
