using ItkWasm.IO;

namespace ItkWasm.Tests.IO;

/// <summary>Buffers past 2 GiB and 4 GiB, and reading that streams pixels straight into one native buffer.</summary>
public class LargeImageTests
{
    [Fact]
    public void DataBuffer_LargerThan4GiB_AddressesEveryByteThroughWindows()
    {
        const long length = (5L << 30) + 3;
        using var buffer = DataBuffer.Allocate(length);

        buffer.AsSpan(length - 3, 3).Fill(7);
        buffer.AsSpan<float>((4L << 30) / 4, 1)[0] = 1.5f;

        Assert.Equal(length, buffer.Length);
        Assert.Equal(new byte[] { 0, 7, 7, 7 }, buffer.AsSpan(length - 4, 4).ToArray());
        Assert.Equal(1.5f, buffer.AsSpan<float>((4L << 30) / 4, 1)[0]);
        Assert.Throws<InvalidOperationException>(() => buffer.AsSpan());
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.AsSpan(length - 2, 3));
    }

    [Fact]
    public void ReadImage_Over4GiBFromAStream_StreamsPixelsIntoOneNativeBuffer()
    {
        // 2048 × 2048 × 1025 uint8 = 4.3 GB: needs an 8-byte CBOR length and windows past 4 GiB.
        using var header = new Image(new ImageType(3)) { Size = [2048, 2048, 1025] };
        header.Data.Dispose();
        header.Data = DataBuffer.Allocate(header.ByteLength); // calloc: untouched pages cost no memory
        var encoded = new HeadCapture();
        ImageFile.Write(header, encoded, ItkWasmFileForm.Cbor);
        using var source = new GeneratedDocument(encoded.Head.ToArray(), encoded.Length);

        var managedBefore = GC.GetAllocatedBytesForCurrentThread();
        using var image = ImageFile.Read(source, ItkWasmFileForm.Cbor, "generated");
        var managed = GC.GetAllocatedBytesForCurrentThread() - managedBefore;

        Assert.Equal(header.ByteLength, image.Data.Length);
        Assert.Equal(GeneratedDocument.Marker, image.Data.AsSpan(image.Data.Length - 1, 1)[0]);
        Assert.Equal(0, image.Data.AsSpan(image.Data.Length - 2, 1)[0]);
        Assert.True(managed < 4 << 20, $"reading allocated {managed} managed bytes; pixels must not pass through managed arrays");
    }

    /// <summary>Keeps the first bytes written (the CBOR header) and counts the rest.</summary>
    private sealed class HeadCapture : Stream
    {
        private long written;

        public MemoryStream Head { get; } = new();

        public override long Length => written;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Position { get => written; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            var keep = (int)Math.Max(0, Math.Min(buffer.Length, 4096 - Head.Length));
            Head.Write(buffer[..keep]);
            written += buffer.Length;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>A seekable document of <c>length</c> bytes: the real header, then zeros, with a marker as the last byte.</summary>
    private sealed class GeneratedDocument(byte[] head, long length) : Stream
    {
        public const byte Marker = 0x5a;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get; set; }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, length - Position);
            buffer = buffer[..n];
            buffer.Clear();
            for (var i = 0; i < n && Position + i < head.Length; i++)
            {
                buffer[i] = head[Position + i];
            }

            if (Position + n == length && n > 0)
            {
                buffer[n - 1] = Marker;
            }

            Position += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => Position + offset,
            _ => length + offset,
        };

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
