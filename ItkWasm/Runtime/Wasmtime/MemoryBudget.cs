namespace ItkWasm.Runtime.Wasmtime;

/// <summary>The memory cap of one run, and the growth it refused: what a module that died of the cap asked for.</summary>
/// <param name="LimitBytes">The most linear memory the run may have, in bytes.</param>
internal sealed record MemoryBudget(long LimitBytes)
{
    /// <summary>Gets the size the memory had when a growth was first refused, in bytes; null while none was.</summary>
    public long? SizeWhenRefused { get; private set; }

    /// <summary>Gets the size that refused growth asked for, in bytes.</summary>
    public long RequestedBytes { get; private set; }

    /// <summary>Records a refused growth from <paramref name="size"/> to <paramref name="requested"/> bytes; the
    /// first one is kept, since later failures usually follow from it.</summary>
    public void Refuse(long size, long requested)
    {
        if (SizeWhenRefused is null)
        {
            SizeWhenRefused = size;
            RequestedBytes = requested;
        }
    }

    /// <summary>Describes the refusal for an error message.</summary>
    public string Describe() => SizeWhenRefused is { } size
        ? $"it asked to grow its memory from {size} to {RequestedBytes} bytes ({RequestedBytes - size} more), past the memory limit of {LimitBytes} bytes"
        : $"memory limit {LimitBytes} bytes";
}
