using System.Reflection;
using System.Runtime.InteropServices;
using Wasmtime;

namespace ItkWasm.Runtime.Wasmtime;

/// <summary>
/// Linear memories with a per-run cap that remembers what the module asked for. Wasmtime's C API limits a store's
/// memory only with fixed numbers (<c>wasmtime_store_limiter</c>), which fail a <c>memory.grow</c> without saying how
/// much was asked, so an ITK-Wasm module that hits the cap dies of a bare trap. Instead this class installs a host
/// memory creator on the engine (<c>wasmtime_config_host_memory_creator_set</c>, the C form of Wasmtime's
/// <c>MemoryCreator</c>/<c>LinearMemory</c> traits): each memory reserves Wasmtime's requested address space plus its
/// guard with <c>mmap</c> and makes pages accessible as the module grows; a growth past the cap of the run that created
/// the memory is refused (<c>memory.grow</c> returns -1 in the module) and recorded in that run's
/// <see cref="MemoryBudget"/>. Linux and macOS only; elsewhere <see cref="TryInstall"/> returns false and runs fall back
/// to store limits.
/// </summary>
internal static unsafe class CappedMemory
{
    [ThreadStatic]
    private static MemoryBudget? current;

    /// <summary>Installs the memory creator on <paramref name="config"/>. Copy-on-write memory images only exist for
    /// Wasmtime's own memories, so they are turned off: data segments are copied into each new memory.</summary>
    /// <returns>False where the platform has no <c>mmap</c> (Windows).</returns>
    /// <exception cref="InvalidOperationException">This Wasmtime version no longer exposes the config's native handle.</exception>
    public static bool TryInstall(Config config)
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()))
        {
            return false;
        }

        var property = typeof(Config).GetProperty("NativeHandle", BindingFlags.NonPublic | BindingFlags.Instance)
            ?? throw new InvalidOperationException("This Wasmtime package no longer exposes Config.NativeHandle; the memory cap needs it.");
        var handle = (SafeHandle)property.GetValue(config)!;
        config.WithMemoryInitCopyOnWrite(false);
        var creator = new Native.MemoryCreator { NewMemory = &NewMemory };
        Native.wasmtime_config_host_memory_creator_set(handle, &creator);
        return true;
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
            var mapped = capacity + guard;
            var start = Native.Reserve(mapped);
            if (start == -1)
            {
                return Native.Error("cannot reserve address space for a linear memory");
            }

            if (minimum > 0 && !Native.Commit(start, minimum))
            {
                Native.Release(start, mapped);
                return Native.Error("cannot commit the initial pages of a linear memory");
            }

            var state = (State*)NativeMemory.Alloc((nuint)sizeof(State));
            *state = new State
            {
                Start = (byte*)start,
                Size = minimum,
                Capacity = capacity,
                Mapped = mapped,
                Limit = (nuint)(current?.LimitBytes ?? long.MaxValue),
            };
            *result = new Native.LinearMemory { Env = (nint)state, GetMemory = &GetMemory, GrowMemory = &GrowMemory, Finalizer = &Free };
            return 0;
        }
        catch (Exception e)
        {
            return Native.Error("cannot create a linear memory: " + e.Message);
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
        Native.Release((nint)state->Start, state->Mapped);
        NativeMemory.Free(state);
    }

    private struct State
    {
        public byte* Start;
        public nuint Size;
        public nuint Capacity;
        public nuint Mapped;
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

        public static nint Reserve(nuint length) => mmap(0, length, ProtNone, AnonymousFlags, -1, 0);

        public static bool Commit(nint start, nuint length) => length == 0 || mprotect(start, length, ProtReadWrite) == 0;

        // munmap of a mapping this class made fails only on bad arguments; there is nothing to do about it here.
        public static void Release(nint start, nuint length) => _ = munmap(start, length);

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
    }
}
