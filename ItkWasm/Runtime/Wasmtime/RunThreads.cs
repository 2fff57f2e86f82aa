using System.Collections.Concurrent;

namespace ItkWasm.Runtime.Wasmtime;

/// <summary>
/// The dedicated threads that run modules, one per compute slot: a module's computation blocks its thread for as long
/// as it runs, so it never occupies a .NET thread-pool thread (or an Orleans scheduler thread). Work waits in one
/// first-in, first-out queue. Each thread has an 8 MiB stack, room for Wasmtime's 512 KiB wasm stack limit plus the
/// host calls it makes.
/// </summary>
internal sealed class RunThreads : IDisposable
{
    private const int StackBytes = 8 << 20;
    private readonly BlockingCollection<Action> queue = [];
    private readonly Thread[] threads;

    /// <summary>Starts <paramref name="count"/> threads.</summary>
    public RunThreads(int count)
    {
        threads = new Thread[count];
        for (var i = 0; i < count; i++)
        {
            threads[i] = new Thread(Work, StackBytes) { IsBackground = true, Name = $"itkwasm-wasmtime-{i}" };
            threads[i].Start();
        }
    }

    /// <summary>Queues <paramref name="work"/>; it must not throw.</summary>
    public void Post(Action work) => queue.Add(work);

    /// <summary>Lets queued work finish, then ends the threads.</summary>
    public void Dispose()
    {
        queue.CompleteAdding();
        foreach (var thread in threads)
        {
            thread.Join();
        }

        queue.Dispose();
    }

    private void Work()
    {
        foreach (var work in queue.GetConsumingEnumerable())
        {
            work();
        }
    }
}
