using Microsoft.IO;

namespace ItkWasmCluster.Storage.Blobs;

/// <summary>The pooled memory that blob reads and writes buffer in: blocks of 128 KiB, so that neither growth nor reuse
/// copies or churns the large-object heap; at most 64 MiB of free blocks are kept.</summary>
internal static class PooledBuffers
{
    public static RecyclableMemoryStreamManager Manager { get; } = new(new RecyclableMemoryStreamManager.Options
    {
        MaximumSmallPoolFreeBytes = 64L << 20,
        MaximumLargePoolFreeBytes = 64L << 20,
    });
}
