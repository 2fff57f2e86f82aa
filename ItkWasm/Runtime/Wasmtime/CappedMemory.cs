using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.InteropServices;
using Wasmtime;

namespace ItkWasm.Runtime.Wasmtime;

/// <summary>
/// Linear memories with a per-run cap that remembers what the module asked for, kept resident between runs. Wasmtime's
/// C API limits a store's memory only with fixed numbers (<c>wasmtime_store_limiter</c>), which fail a
/// <c>memory.grow</c> without saying how much was asked, so an ITK-Wasm module that hits the cap dies of a bare trap.
/// Instead this class installs a host memory creator on the engine (<c>wasmtime_config_host_memory_creator_set</c>, the
/// C form of Wasmtime's <c>MemoryCreator</c>/<c>LinearMemory</c> traits): each memory reserves Wasmtime's requested
/// address space plus its guard with <c>mmap</c> and makes pages accessible as the module grows; a growth past the cap
/// of the run that created the memory is refused (<c>memory.grow</c> returns -1 in the module) and recorded in that
/// run's <see cref="MemoryBudget"/>.
/// <para>
/// A fresh page costs a page fault on first touch, and on virtual machines that made writing 5 MB into fresh memory
/// about 50 times slower than into resident memory (22 ms against 0.4 ms, measured here). So on Linux a released
/// memory goes back to a small pool instead of being unmapped: its first <see cref="KeepResidentBytes"/> are zeroed
/// and stay resident, the rest is returned to the kernel (<c>MADV_DONTNEED</c>), and the next run reuses it. Memories
/// also ask for transparent huge pages. On macOS memories are unmapped after each run; elsewhere
/// <see cref="TryInstall"/> returns false and runs fall back to store limits.
/// </para>
/// </summary>
internal static unsafe class CappedMemory
{
    /// <summary>How much of a released memory stays resident (zeroed) for the next run, in bytes.</summary>
    public const long KeepResidentBytes = 32L << 20;

    private static readonly ConcurrentStack<nint> Pool = new();
    private static int poolLimit;
    private static int engines;

    [ThreadStatic]
    private static MemoryBudget? current;

    /// <summary>Installs the memory creator on <paramref name="config"/>. Copy-on-write memory images only exist for
    /// Wasmtime's own memories, so they are turned off: data segments are copied into each new memory.</summary>
    /// <param name="config">The engine's configuration.</param>
    /// <param name="computeSlots">How many runs go on at once: the pool keeps up to this many released memories
    /// (the largest number any engine asked for).</param>
    /// <returns>False where the platform has no <c>mmap</c> (Windows).</returns>
    /// <exception cref="InvalidOperationException">This Wasmtime version no longer exposes the config's native handle.</exception>
    public static bool TryInstall(Config config, int computeSlots)
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()))
        {
            return false;
        }

        var property = typeof(Config).GetProperty("NativeHandle", BindingFlags.NonPublic | BindingFlags.Instance)
            ?? throw new InvalidOperationException("This Wasmtime package no longer exposes Config.NativeHandle; the memory cap needs it.");
        var handle = (SafeHandle)property.GetValue(config)!;
        config.WithMemoryInitCopyOnWrite(false);
        InterlockedMax(ref poolLimit, OperatingSystem.IsLinux() ? computeSlots : 0);
        Interlocked.Increment(ref engines);
        var creator = new Native.MemoryCreator { NewMemory = &NewMemory };
        Native.wasmtime_config_host_memory_creator_set(handle, &creator);
        return true;
    }

    /// <summary>Called when an engine that <see cref="TryInstall"/> served is disposed: when it was the last one, the
    /// pooled memories are unmapped.</summary>
    public static void Uninstall()
    {
        if (Interlocked.Decrement(ref engines) == 0)
        {
            while (Pool.TryPop(out var pooled))
            {
                Release((State*)pooled);
            }
        }
    }

    /// <summary>Makes <paramref name="budget"/> the budget of the memories this thread creates and grows, until the
    /// returned scope is disposed. A run enters it on its thread around instantiation and execution.</summary>
    public static Scope Enter(MemoryBudget budget)
    {
        current = budget;
        return default;
    }

    /// <summary>Leaves the budget entered by <see cref="Enter"/>.</summary>
    public readonly struct Scope : IDisposable
    {
        /// <inheritdoc/>
        public void Dispose() => current = null;
    }

    [UnmanagedCallersOnly]
    private static nint NewMemory(nint env, nint type, nuint minimum, nuint maximum, nuint reserved, nuint guard, Native.LinearMemory* result)
    {
        try
        {
            var capacity = reserved > minimum ? reserved : minimum;
            var state = TakePooled(capacity, guard);
            if (state == null)
            {
                state = Reserve(capacity, guard);
            }

            if (state == null)
            {
                return Native.Error("cannot reserve address space for a linear memory");
            }

            if (!Native.Commit((nint)state->Start, minimum))
            {
                Release(state);
                return Native.Error("cannot commit the initial pages of a linear memory");
            }

            state->Size = minimum;
            state->Limit = (nuint)(current?.LimitBytes ?? long.MaxValue);
            *result = new Native.LinearMemory { Env = (nint)state, GetMemory = &GetMemory, GrowMemory = &GrowMemory, Finalizer = &Free };
            return 0;
        }
        catch (Exception e)
        {
            return Native.Error("cannot create a linear memory: " + e.Message);
        }
    }

    // Reserves capacity + guard bytes of address space, aligned to 2 MiB so that huge pages can back it.
    private static State* Reserve(nuint capacity, nuint guard)
    {
        const nuint HugePage = 2 << 20;
        var length = capacity + guard + HugePage;
        var mapping = Native.Reserve(length);
        if (mapping == -1)
        {
            return null;
        }

        var start = (mapping + (nint)(HugePage - 1)) & ~(nint)(HugePage - 1);
        Native.PreferHugePages(start, capacity);
        var state = (State*)NativeMemory.Alloc((nuint)sizeof(State));
        *state = new State { Mapping = mapping, MappingLength = length, Start = (byte*)start, Capacity = capacity, Guard = guard };
        return state;
    }

    private static State* TakePooled(nuint capacity, nuint guard)
    {
        while (Pool.TryPop(out var pooled))
        {
            var state = (State*)pooled;
            if (state->Capacity == capacity && state->Guard == guard)
            {
                return state;
            }

            Release(state);
        }

        return null;
    }

    // Zeroes what stays resident, hands the rest back to the kernel, and makes it all inaccessible until reused.
    private static bool TryPool(State* state)
    {
        if (Pool.Count >= Volatile.Read(ref poolLimit))
        {
            return false;
        }

        var keep = Math.Min(state->Size, (nuint)KeepResidentBytes);
        NativeMemory.Clear(state->Start, keep);
        if (!Native.Discard((nint)state->Start + (nint)keep, state->Size - keep) || !Native.Protect((nint)state->Start, state->Size))
        {
            return false;
        }

        state->Size = 0;
        Pool.Push((nint)state);
        return true;
    }

    private static void Release(State* state)
    {
        Native.Unmap(state->Mapping, state->MappingLength);
        NativeMemory.Free(state);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, seen) == seen)
            {
                return;
            }
        }
    }

    [UnmanagedCallersOnly]
    private static byte* GetMemory(nint env, nuint* size, nuint* maximum)
    {
        var state = (State*)env;
        *size = state->Size;
        *maximum = state->Capacity;
        return state->Start;
    }

    [UnmanagedCallersOnly]
    private static nint GrowMemory(nint env, nuint newSize)
    {
        try
        {
            var state = (State*)env;
            if (newSize > state->Limit)
            {
                current?.Refuse((long)state->Size, (long)newSize);
                return Native.Error("the run's memory limit was reached");
            }

            if (newSize > state->Capacity || !Native.Commit((nint)state->Start + (nint)state->Size, newSize - state->Size))
            {
                return Native.Error("cannot grow the linear memory");
            }

            state->Size = newSize;
            return 0;
        }
        catch (Exception e)
        {
            return Native.Error("cannot grow the linear memory: " + e.Message);
        }
    }

    [UnmanagedCallersOnly]
    private static void Free(nint env)
    {
        var state = (State*)env;
        if (!TryPool(state))
        {
            Release(state);
        }
    }

    private struct State
    {
        public nint Mapping;
        public nuint MappingLength;
        public byte* Start;
        public nuint Size;
        public nuint Capacity;
        public nuint Guard;
        public nuint Limit;
    }

    private static class Native
    {
        private const int ProtNone = 0;
        private const int ProtReadWrite = 3;
        private const int MapPrivate = 0x02;

        public struct LinearMemory
        {
            public nint Env;
            public delegate* unmanaged<nint, nuint*, nuint*, byte*> GetMemory;
            public delegate* unmanaged<nint, nuint, nint> GrowMemory;
            public delegate* unmanaged<nint, void> Finalizer;
        }

        public struct MemoryCreator
        {
            public nint Env;
            public delegate* unmanaged<nint, nint, nuint, nuint, nuint, nuint, LinearMemory*, nint> NewMemory;
            public delegate* unmanaged<nint, void> Finalizer;
        }

        // Linux: MAP_ANONYMOUS | MAP_NORESERVE (reserved address space counts against no commit limit);
        // macOS: MAP_ANON.
        private static int AnonymousFlags => OperatingSystem.IsLinux() ? MapPrivate | 0x20 | 0x4000 : MapPrivate | 0x1000;

        private const int MadviseDontNeed = 4;
        private const int MadviseHugePage = 14;

        public static nint Reserve(nuint length) => mmap(0, length, ProtNone, AnonymousFlags, -1, 0);

        public static bool Commit(nint start, nuint length) => length == 0 || mprotect(start, length, ProtReadWrite) == 0;

        public static bool Protect(nint start, nuint length) => length == 0 || mprotect(start, length, ProtNone) == 0;

        // Linux only (the pool is): private anonymous pages read as zero after MADV_DONTNEED.
        public static bool Discard(nint start, nuint length) => length == 0 || madvise(start, length, MadviseDontNeed) == 0;

        // A hint: without transparent huge pages (or on macOS) it changes nothing.
        public static void PreferHugePages(nint start, nuint length)
        {
            if (OperatingSystem.IsLinux())
            {
                _ = madvise(start, length, MadviseHugePage);
            }
        }

        // munmap of a mapping this class made fails only on bad arguments; there is nothing to do about it here.
        public static void Unmap(nint start, nuint length) => _ = munmap(start, length);

        public static nint Error(string message)
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(message + "\0");
            fixed (byte* text = bytes)
            {
                return wasmtime_error_new(text);
            }
        }

        [DllImport("wasmtime")]
        public static extern void wasmtime_config_host_memory_creator_set(SafeHandle config, MemoryCreator* creator);

        [DllImport("wasmtime")]
        private static extern nint wasmtime_error_new(byte* message);

        [DllImport("libc")]
        private static extern int munmap(nint start, nuint length);

        [DllImport("libc")]
        private static extern nint mmap(nint start, nuint length, int protection, int flags, int fd, nint offset);

        [DllImport("libc")]
        private static extern int mprotect(nint start, nuint length, int protection);

        [DllImport("libc")]
        private static extern int madvise(nint start, nuint length, int advice);
    }
}
