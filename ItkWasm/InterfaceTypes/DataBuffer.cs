using System.Buffers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace ItkWasm;

/// <summary>
/// A block of native memory that holds one typed array of an interface type: an image's pixel buffer, a mesh's point
/// coordinates or cell connectivity, a transform's parameters. Its length is a <see cref="long"/>, so a 1024³ float32
/// volume (4 GiB) fits; spans give windows of at most <see cref="int.MaxValue"/> elements over it.
/// </summary>
/// <remarks>
/// The bytes are little-endian, as in ITK-Wasm's memory and file formats. The memory comes from the C allocator
/// (aligned for any component type) and is zeroed on allocation. The owner of a buffer (usually the <see cref="Image"/>, <see cref="Mesh"/> or other interface object
/// that holds it) disposes it; the memory is also released by a finalizer if nobody does. Instances are not safe for
/// concurrent writes.
/// </remarks>
public sealed class DataBuffer : IDisposable
{
    private const int ChunkBytes = 1 << 20;
    private readonly NativeMemoryHandle handle;

    private DataBuffer(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        handle = new NativeMemoryHandle(length);
    }

    /// <summary>Gets the length of the buffer, in bytes.</summary>
    public long Length => handle.Length;

    /// <summary>Allocates a zeroed buffer of <paramref name="length"/> bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    /// <exception cref="OutOfMemoryException">The process cannot allocate that much native memory.</exception>
    public static DataBuffer Allocate(long length) => new(length);

    /// <summary>Allocates a buffer holding a copy of <paramref name="values"/> (little-endian element bytes).</summary>
    public static DataBuffer Copy<T>(ReadOnlySpan<T> values)
        where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(values);
        var buffer = new DataBuffer(bytes.Length);
        bytes.CopyTo(buffer.AsSpan(0, bytes.Length));
        return buffer;
    }

    /// <summary>Returns a span over the whole buffer.</summary>
    /// <exception cref="InvalidOperationException">The buffer is larger than <see cref="int.MaxValue"/> bytes; use
    /// <see cref="AsSpan(long, int)"/> windows or <see cref="OpenStream(FileAccess)"/> instead.</exception>
    public Span<byte> AsSpan()
    {
        if (Length > int.MaxValue)
        {
            throw new InvalidOperationException(
                $"The buffer holds {Length} bytes, more than one span can cover; use AsSpan(start, length) windows.");
        }

        return AsSpan(0, (int)Length);
    }

    /// <summary>Returns a span over <paramref name="length"/> bytes starting at byte <paramref name="start"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The window is not inside the buffer.</exception>
    public Span<byte> AsSpan(long start, int length) => AsSpan<byte>(start, length);

    /// <summary>
    /// Returns a span of <paramref name="count"/> elements of <typeparamref name="T"/> starting at element index
    /// <paramref name="startElement"/> (not byte offset).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The window is not inside the buffer.</exception>
    public unsafe Span<T> AsSpan<T>(long startElement, int count)
        where T : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfNegative(startElement);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        long size = sizeof(T);
        if (startElement > (Length / size) - count)
        {
            throw new ArgumentOutOfRangeException(
                nameof(count), $"Elements [{startElement}, {startElement + count}) exceed the buffer of {Length} bytes.");
        }

        return new Span<T>(handle.Pointer + (startElement * size), count);
    }

    /// <summary>Copies the whole buffer into a new array of <typeparamref name="T"/> (for small buffers).</summary>
    /// <exception cref="InvalidOperationException">The length is not a multiple of the element size, or exceeds an
    /// array's capacity.</exception>
    public unsafe T[] ToArray<T>()
        where T : unmanaged
    {
        if (Length % sizeof(T) != 0 || Length / sizeof(T) > Array.MaxLength)
        {
            throw new InvalidOperationException(
                $"A buffer of {Length} bytes cannot be copied to an array of {typeof(T).Name}.");
        }

        var count = (int)(Length / sizeof(T));
        return AsSpan<T>(0, count).ToArray();
    }

    /// <summary>
    /// Opens a stream over the buffer. The stream has a fixed length of <see cref="Length"/> bytes; the caller disposes
    /// it, and it must not outlive the buffer.
    /// </summary>
    public Stream OpenStream(FileAccess access = FileAccess.Read) =>
        new UnmanagedMemoryStream(handle, 0, Length, access);

    /// <summary>Opens a stream over <paramref name="length"/> bytes of the buffer from <paramref name="start"/>, with
    /// the same terms as <see cref="OpenStream(FileAccess)"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The window does not lie inside the buffer.</exception>
    public Stream OpenStream(long start, long length, FileAccess access = FileAccess.Read)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + length, Length, nameof(length));
        return new UnmanagedMemoryStream(handle, start, length, access);
    }

    /// <summary>Fills the buffer from <paramref name="source"/>, reading exactly <see cref="Length"/> bytes.</summary>
    /// <exception cref="EndOfStreamException">The stream ended first.</exception>
    public void ReadFrom(Stream source)
    {
        ArgumentNullException.ThrowIfNull(source);
        for (long done = 0; done < Length;)
        {
            var window = AsSpan(done, (int)Math.Min(ChunkBytes, Length - done));
            source.ReadExactly(window);
            done += window.Length;
        }
    }

    /// <summary>Writes the whole buffer to <paramref name="destination"/>.</summary>
    public void WriteTo(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        for (long done = 0; done < Length;)
        {
            var window = AsSpan(done, (int)Math.Min(ChunkBytes, Length - done));
            destination.Write(window);
            done += window.Length;
        }
    }

    /// <summary>Fills the buffer from <paramref name="source"/> asynchronously, reading exactly <see cref="Length"/>
    /// bytes straight into native memory.</summary>
    /// <param name="source">The stream to read.</param>
    /// <param name="cancellationToken">Controls the request lifetime.</param>
    /// <exception cref="EndOfStreamException">The stream ended first.</exception>
    public async Task ReadFromAsync(Stream source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        for (long done = 0; done < Length;)
        {
            var n = (int)Math.Min(ChunkBytes, Length - done);
            var window = new Window(this, done, n);
            await source.ReadExactlyAsync(window.Memory, cancellationToken).ConfigureAwait(false);
            done += n;
        }
    }

    /// <summary>Writes the whole buffer to <paramref name="destination"/> asynchronously, straight from native memory.</summary>
    /// <param name="destination">The stream to write.</param>
    /// <param name="cancellationToken">Controls the request lifetime.</param>
    public async Task WriteToAsync(Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        for (long done = 0; done < Length;)
        {
            var n = (int)Math.Min(ChunkBytes, Length - done);
            var window = new Window(this, done, n);
            await destination.WriteAsync(window.Memory, cancellationToken).ConfigureAwait(false);
            done += n;
        }
    }

    /// <summary>Returns whether <paramref name="other"/> holds the same bytes.</summary>
    public bool ContentEquals(DataBuffer other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Length != Length)
        {
            return false;
        }

        for (long done = 0; done < Length;)
        {
            var n = (int)Math.Min(ChunkBytes, Length - done);
            if (!AsSpan(done, n).SequenceEqual(other.AsSpan(done, n)))
            {
                return false;
            }

            done += n;
        }

        return true;
    }

    /// <summary>Computes the SHA-256 digest of the bytes, as lowercase hexadecimal.</summary>
    public string ComputeSha256()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (long done = 0; done < Length;)
        {
            var n = (int)Math.Min(ChunkBytes, Length - done);
            hash.AppendData(AsSpan(done, n));
            done += n;
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Creates a deep copy of the buffer.</summary>
    public DataBuffer Clone()
    {
        var copy = new DataBuffer(Length);
        for (long done = 0; done < Length;)
        {
            var n = (int)Math.Min(ChunkBytes, Length - done);
            AsSpan(done, n).CopyTo(copy.AsSpan(done, n));
            done += n;
        }

        return copy;
    }

    /// <summary>
    /// Changes the length, keeping the first min(old, new) bytes and zeroing any new bytes. Used by readers that grow a
    /// buffer as bytes arrive from a stream of unknown length, so that a lying header never causes a large allocation.
    /// </summary>
    internal void Resize(long length) => handle.Resize(length);

    /// <summary>Releases the native memory. Spans taken earlier must not be used afterwards.</summary>
    public void Dispose() => handle.Dispose();

    /// <summary>A <see cref="Memory{T}"/> over a window of the buffer, for asynchronous stream calls. It must not
    /// outlive the buffer; it holds no resources of its own, so it needs no disposal.</summary>
    private sealed unsafe class Window(DataBuffer owner, long start, int length) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => owner.AsSpan(start, length);

        public override MemoryHandle Pin(int elementIndex = 0) =>
            new(owner.handle.Pointer + start + elementIndex);

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }

    /// <summary>Owns the native allocation; <see cref="SafeBuffer"/> keeps streams over it safe against disposal.</summary>
    private sealed unsafe class NativeMemoryHandle : SafeBuffer
    {
        public NativeMemoryHandle(long length)
            : base(ownsHandle: true)
        {
            // A zero-length buffer still gets a real (one-byte) allocation, so the pointer is never null.
            var bytes = (nuint)Math.Max(length, 1);
            var pointer = NativeMemory.AllocZeroed(bytes);
            SetHandle((IntPtr)pointer);
            Initialize((ulong)length);
            Length = length;
            if (length > 0)
            {
                GC.AddMemoryPressure(length);
            }
        }

        public long Length { get; private set; }

        public byte* Pointer
        {
            get
            {
                ObjectDisposedException.ThrowIf(IsClosed, typeof(DataBuffer));
                return (byte*)handle;
            }
        }

        public void Resize(long length)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(length);
            var bytes = (nuint)Math.Max(length, 1);
            // realloc moves large blocks by remapping pages, so growing never holds two copies of the bytes.
            var pointer = NativeMemory.Realloc((void*)handle, bytes);
            if (length > Length)
            {
                NativeMemory.Clear((byte*)pointer + Length, (nuint)(length - Length));
                GC.AddMemoryPressure(length - Length);
            }
            else if (length < Length)
            {
                GC.RemoveMemoryPressure(Length - length);
            }

            SetHandle((IntPtr)pointer);
            Initialize((ulong)length);
            Length = length;
        }

        protected override bool ReleaseHandle()
        {
            NativeMemory.Free((void*)handle);
            if (Length > 0)
            {
                GC.RemoveMemoryPressure(Length);
            }

            return true;
        }
    }
}
