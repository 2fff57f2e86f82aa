using System.IO.Compression;
using System.Runtime.InteropServices;

namespace ItkWasm.IO.Zstd;

/// <summary>
/// A zstd compressing or decompressing stream over the system's libzstd (<c>libzstd.so.1</c>, Debian's
/// <c>libzstd1</c>), shaped like <see cref="GZipStream"/>. Compression writes one frame with the content size in its
/// header, which ITK-Wasm's <c>.cbor.zst</c> readers require (<c>ZSTD_getFrameContentSize</c>, ITKWASM-SPEC §3.4).
/// </summary>
internal sealed partial class ZstdStream : Stream
{
    /// <summary>The compression level ITK-Wasm's writers use.</summary>
    public const int DefaultLevel = 3;

    private const int BufferBytes = 1 << 17;
    private const int ZSTD_c_compressionLevel = 100;
    private const int ZSTD_e_continue = 0;
    private const int ZSTD_e_end = 2;
    private const ulong ZSTD_CONTENTSIZE_UNKNOWN = ulong.MaxValue;
    private const ulong ZSTD_CONTENTSIZE_ERROR = ulong.MaxValue - 1;

    private readonly Stream inner;
    private readonly CompressionMode mode;
    private readonly bool leaveOpen;
    private readonly ContextHandle context;
    private readonly byte[] buffer = new byte[BufferBytes];
    private int inputStart;
    private int inputEnd;
    private bool frameComplete = true;
    private bool innerEnded;
    private bool disposed;

    /// <summary>Creates the stream.</summary>
    /// <param name="inner">The compressed side: read from when decompressing, written to when compressing.</param>
    /// <param name="mode">Whether this stream compresses (write-only) or decompresses (read-only).</param>
    /// <param name="pledgedLength">When compressing: the exact number of bytes that will be written, recorded in the
    /// frame header. Writing a different number fails at disposal.</param>
    /// <param name="leaveOpen">Whether disposing this stream leaves <paramref name="inner"/> open.</param>
    /// <exception cref="DllNotFoundException">libzstd is not installed.</exception>
    public ZstdStream(Stream inner, CompressionMode mode, long pledgedLength = -1, bool leaveOpen = false)
    {
        this.inner = inner ?? throw new ArgumentNullException(nameof(inner));
        this.mode = mode;
        this.leaveOpen = leaveOpen;
        context = ContextHandle.Create(mode);
        if (mode == CompressionMode.Compress)
        {
            Check(Native.ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, DefaultLevel));
            if (pledgedLength >= 0)
            {
                Check(Native.ZSTD_CCtx_setPledgedSrcSize(context, (ulong)pledgedLength));
            }
        }
    }

    /// <inheritdoc/>
    public override bool CanRead => mode == CompressionMode.Decompress && !disposed;

    /// <inheritdoc/>
    public override bool CanWrite => mode == CompressionMode.Compress && !disposed;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Returns the content size recorded in the header of the zstd frame that starts
    /// <paramref name="frame"/>, or null when the header does not record it.</summary>
    /// <exception cref="InvalidDataException">The bytes do not start a zstd frame.</exception>
    public static unsafe long? GetFrameContentSize(ReadOnlySpan<byte> frame)
    {
        fixed (byte* p = frame)
        {
            var size = Native.ZSTD_getFrameContentSize(p, (nuint)frame.Length);
            return size switch
            {
                ZSTD_CONTENTSIZE_UNKNOWN => null,
                ZSTD_CONTENTSIZE_ERROR => throw new InvalidDataException("not a zstd frame"),
                _ => (long)size,
            };
        }
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override unsafe int Read(Span<byte> destination)
    {
        EnsureMode(CompressionMode.Decompress);
        if (destination.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            if (inputStart == inputEnd && !innerEnded)
            {
                inputStart = 0;
                inputEnd = inner.Read(buffer, 0, buffer.Length);
                innerEnded = inputEnd == 0;
            }

            if (innerEnded && inputStart == inputEnd)
            {
                return frameComplete ? 0 : throw new InvalidDataException("truncated zstd frame");
            }

            fixed (byte* src = buffer)
            fixed (byte* dst = destination)
            {
                var input = new Native.InBuffer { Source = src, Size = (nuint)inputEnd, Position = (nuint)inputStart };
                var output = new Native.OutBuffer { Destination = dst, Size = (nuint)destination.Length };
                var hint = Check(Native.ZSTD_decompressStream(context, &output, &input));
                inputStart = (int)input.Position;
                frameComplete = hint == 0;
                if (output.Position > 0)
                {
                    return (int)output.Position;
                }
            }
        }
    }

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<byte> source)
    {
        EnsureMode(CompressionMode.Compress);
        Compress(source, ZSTD_e_continue);
    }

    /// <inheritdoc/>
    public override void Flush()
    {
        if (mode == CompressionMode.Compress)
        {
            inner.Flush();
        }
    }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (!disposed && disposing)
        {
            try
            {
                if (mode == CompressionMode.Compress)
                {
                    Compress([], ZSTD_e_end);
                    inner.Flush();
                }
            }
            finally
            {
                disposed = true;
                context.Dispose();
                if (!leaveOpen)
                {
                    inner.Dispose();
                }
            }
        }

        base.Dispose(disposing);
    }

    private unsafe void Compress(ReadOnlySpan<byte> source, int endOp)
    {
        fixed (byte* src = source)
        fixed (byte* dst = buffer)
        {
            var input = new Native.InBuffer { Source = src, Size = (nuint)source.Length };
            nuint remaining;
            do
            {
                var output = new Native.OutBuffer { Destination = dst, Size = (nuint)buffer.Length };
                remaining = Check(Native.ZSTD_compressStream2(context, &output, &input, endOp));
                inner.Write(buffer, 0, (int)output.Position);
            }
            while (input.Position < input.Size || (endOp == ZSTD_e_end && remaining != 0));
        }
    }

    private void EnsureMode(CompressionMode expected)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (mode != expected)
        {
            throw new NotSupportedException($"This stream was opened to {mode.ToString().ToLowerInvariant()}.");
        }
    }

    private static nuint Check(nuint code) => Native.ZSTD_isError(code) != 0
        ? throw new InvalidDataException($"zstd: {Marshal.PtrToStringAnsi(Native.ZSTD_getErrorName(code))}")
        : code;

    private sealed class ContextHandle : SafeHandle
    {
        private CompressionMode mode;

        /// <summary>Used by the P/Invoke marshaller.</summary>
        public ContextHandle()
            : base(IntPtr.Zero, ownsHandle: true)
        {
        }

        public override bool IsInvalid => handle == IntPtr.Zero;

        public static ContextHandle Create(CompressionMode mode)
        {
            var h = mode == CompressionMode.Compress ? Native.ZSTD_createCCtx() : Native.ZSTD_createDCtx();
            if (h.IsInvalid)
            {
                throw new InvalidOperationException("zstd could not allocate a context.");
            }

            h.mode = mode;
            return h;
        }

        protected override bool ReleaseHandle()
        {
            _ = mode == CompressionMode.Compress ? Native.ZSTD_freeCCtx(handle) : Native.ZSTD_freeDCtx(handle);
            return true;
        }
    }

    /// <summary>The libzstd functions used (zstd.h, stable API since zstd 1.4.0).</summary>
    private static unsafe partial class Native
    {
        private const string Library = "libzstd.so.1";

        [StructLayout(LayoutKind.Sequential)]
        public struct InBuffer
        {
            public byte* Source;
            public nuint Size;
            public nuint Position;
        }

        [StructLayout(LayoutKind.Sequential)]
        public struct OutBuffer
        {
            public byte* Destination;
            public nuint Size;
            public nuint Position;
        }

        [LibraryImport(Library)]
        public static partial ContextHandle ZSTD_createCCtx();

        [LibraryImport(Library)]
        public static partial nuint ZSTD_freeCCtx(IntPtr cctx);

        [LibraryImport(Library)]
        public static partial ContextHandle ZSTD_createDCtx();

        [LibraryImport(Library)]
        public static partial nuint ZSTD_freeDCtx(IntPtr dctx);

        [LibraryImport(Library)]
        public static partial nuint ZSTD_CCtx_setParameter(ContextHandle cctx, int parameter, int value);

        [LibraryImport(Library)]
        public static partial nuint ZSTD_CCtx_setPledgedSrcSize(ContextHandle cctx, ulong pledgedSrcSize);

        [LibraryImport(Library)]
        public static partial nuint ZSTD_compressStream2(ContextHandle cctx, OutBuffer* output, InBuffer* input, int endOp);

        [LibraryImport(Library)]
        public static partial nuint ZSTD_decompressStream(ContextHandle dctx, OutBuffer* output, InBuffer* input);

        [LibraryImport(Library)]
        public static partial uint ZSTD_isError(nuint code);

        [LibraryImport(Library)]
        public static partial IntPtr ZSTD_getErrorName(nuint code);

        [LibraryImport(Library)]
        public static partial ulong ZSTD_getFrameContentSize(byte* src, nuint srcSize);
    }
}
