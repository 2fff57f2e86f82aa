using System.Formats.Cbor;
using System.IO.Compression;
using FsCheck;
using FsCheck.Fluent;
using ItkWasm.IO;
using ItkWasm.IO.Zstd;

namespace ItkWasm.Tests.IO;

/// <summary>Malformed and hostile files give one clear exception type naming the file and the problem.</summary>
public class HostileInputTests
{
    private static readonly byte[] Cthead1 = File.ReadAllBytes(SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"));

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(20)]
    [InlineData(100)]
    [InlineData(220)]
    [InlineData(196829)]
    public void ReadImage_TruncatedCbor_ReportsTruncation(int keep)
    {
        var e = ReadImageFails(Cthead1[..keep]);
        Assert.Contains("truncated", e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadImage_WrongItemType_NamesTheKey()
    {
        var bytes = Document(w =>
        {
            w.WriteStartMap(1);
            w.WriteTextString("imageType");
            w.WriteStartArray(0);
            w.WriteEndArray();
            w.WriteEndMap();
        });

        var e = ReadImageFails(bytes);
        Assert.Contains("imageType: expected a map, found an array", e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadImage_TopLevelNotAMap_SaysWhatItIs()
    {
        var e = ReadImageFails(Document(w => w.WriteTextString("hello")));
        Assert.Contains("must be a map, but it is a text string", e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadImage_TrillionVoxelsOverATinyPayload_FailsBeforeAllocating()
    {
        var bytes = ImageDocument(size: [1_000_000, 1_000_000], dataLength: 16);

        var e = ReadImageFails(bytes);
        Assert.Contains("data holds 16 bytes, but the header declares 1000000000000", e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadImage_ByteStringLongerThanTheFile_FailsBeforeAllocating()
    {
        // The byte string head claims 10^12 bytes; the file has 16.
        var bytes = ImageDocument(size: [1_000_000, 1_000_000], dataLength: 16, declaredDataLength: 1_000_000_000_000);

        var e = ReadImageFails(bytes);
        Assert.Contains("truncated: data declares 1000000000000 bytes but only 16 remain", e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadImage_HugeByteStringOnAStreamOfUnknownLength_GrowsOnlyAsBytesArrive()
    {
        // Without a known length, a reader that trusted the head would try to allocate 1 TB and die.
        var bytes = ImageDocument(size: [1_000_000, 1_000_000], dataLength: 16, declaredDataLength: 1_000_000_000_000);
        using var stream = new NonSeekableStream(bytes);

        var e = Assert.Throws<ItkWasmFormatException>(() => ImageFile.Read(stream, ItkWasmFileForm.Cbor, "upload"));
        Assert.Equal("upload", e.SourceName);
        Assert.Contains("truncated", e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadImage_SizeOverflowing64Bits_IsAFormatError()
    {
        var bytes = ImageDocument(size: [long.MaxValue, 4], dataLength: 16);

        var e = ReadImageFails(bytes);
        Assert.Contains("more pixels than 64 bits can count", e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadImage_PayloadSmallerThanDeclaredSize_NamesBothNumbers()
    {
        var bytes = ImageDocument(size: [4, 4], dataLength: 15);

        var e = ReadImageFails(bytes);
        Assert.Contains("data holds 15 bytes, but the header declares 16", e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadImage_PayloadBeforeHeaderWithWrongSize_IsCheckedAfterTheHeader()
    {
        var bytes = ImageDocument(size: [4, 4], dataLength: 15, dataFirst: true);

        var e = ReadImageFails(bytes);
        Assert.Contains("data holds 15 bytes, but size [4, 4] × 1 × uint8 needs 16", e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadImage_DeeplyNestedMetadata_IsRejected()
    {
        var bytes = ImageDocument(size: [1, 1], dataLength: 1, metadata: w =>
        {
            w.WriteStartMap(1);
            w.WriteTextString("deep");
            for (var i = 0; i < 10_000; i++)
            {
                w.WriteStartArray(1);
            }

            w.WriteNull();
            for (var i = 0; i < 10_000; i++)
            {
                w.WriteEndArray();
            }

            w.WriteEndMap();
        });

        var e = ReadImageFails(bytes);
        Assert.Contains("nested more than 16 levels deep", e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadImage_IndefiniteLengthMap_IsRejectedClearly()
    {
        var bytes = (byte[])Cthead1.Clone();
        bytes[0] = 0xbf;

        var e = ReadImageFails(bytes);
        Assert.Contains("indefinite-length items are not supported", e.Problem, StringComparison.Ordinal);
        Assert.Equal(0, e.Offset);
    }

    [Fact]
    public void ReadImage_IndefiniteLengthInsideMetadata_IsRejectedClearly()
    {
        var bytes = ImageDocument(size: [1, 1], dataLength: 1, metadata: w =>
        {
            w.WriteStartMap(null);
            w.WriteEndMap();
        });

        var e = ReadImageFails(bytes);
        Assert.Contains("indefinite-length", e.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("componentType", "uint9", "unknown component type \"uint9\"")]
    [InlineData("pixelType", "rgb", "unknown pixel type \"rgb\"")]
    [InlineData("pixelType", "3", "unknown pixel type \"3\"")]
    public void ReadImage_UnknownEnumString_NamesIt(string key, string value, string expected)
    {
        var bytes = ImageDocument(size: [1, 1], dataLength: 1, typeOverride: (key, value));

        var e = ReadImageFails(bytes);
        Assert.Contains(expected, e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadImage_DuplicateKey_IsRejected()
    {
        var bytes = Document(w =>
        {
            w.WriteStartMap(2);
            w.WriteTextString("size");
            w.WriteStartArray(0);
            w.WriteEndArray();
            w.WriteTextString("size");
            w.WriteStartArray(0);
            w.WriteEndArray();
            w.WriteEndMap();
        });

        Assert.Contains("appears twice", ReadImageFails(bytes).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadImage_NotCborAtAll_IsAFormatError()
    {
        var png = File.ReadAllBytes(SharedData.Path("itk-wasm/cthead1.png"));
        Assert.NotNull(ReadImageFails(png));
    }

    [Fact]
    public void ReadImage_CorruptZstdFrame_IsAFormatError()
    {
        using var compressed = new MemoryStream();
        using (var zstd = new ZstdStream(compressed, CompressionMode.Compress, Cthead1.Length, leaveOpen: true))
        {
            zstd.Write(Cthead1);
        }

        var bytes = compressed.ToArray();
        bytes[bytes.Length / 2] ^= 0xff;
        bytes[(bytes.Length / 2) + 1] ^= 0xff;
        using var temp = new TempDirectory();
        var path = temp.Combine("corrupt.iwi.cbor.zst");
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<ItkWasmFormatException>(() => ImageFile.Read(path));
        Assert.Equal(path, e.SourceName);
    }

    [Fact]
    public void ReadImage_TruncatedZstdFrame_IsAFormatError()
    {
        using var temp = new TempDirectory();
        using (var image = ImageFile.Read(SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor")))
        {
            ImageFile.Write(image, temp.Combine("whole.iwi.cbor.zst"));
        }

        var bytes = File.ReadAllBytes(temp.Combine("whole.iwi.cbor.zst"));
        File.WriteAllBytes(temp.Combine("cut.iwi.cbor.zst"), bytes[..(bytes.Length / 2)]);

        var e = Assert.Throws<ItkWasmFormatException>(() => ImageFile.Read(temp.Combine("cut.iwi.cbor.zst")));
        Assert.Contains("truncated", e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadImage_DirectoryWithShortDataRaw_NamesTheFileAndBothSizes()
    {
        using var temp = new TempDirectory();
        CopyDirectory(SharedData.Path("itk-wasm/cthead1-rgb.iwi"), temp.Combine("x.iwi"));
        File.WriteAllBytes(temp.Combine("x.iwi/data/data.raw"), new byte[100]);

        var e = Assert.Throws<ItkWasmFormatException>(() => ImageFile.Read(temp.Combine("x.iwi")));
        Assert.Contains("data/data.raw holds 100 bytes, but the index declares 196608", e.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ not json", "not valid JSON")]
    [InlineData("{\"imageType\": {\"dimension\": 2, \"componentType\": \"uint9\", \"pixelType\": \"Scalar\", \"components\": 1}, \"size\": [1, 1]}", "unknown component type")]
    [InlineData("{\"size\": [1, 1]}", "missing \"imageType\"")]
    [InlineData("{\"imageType\": {\"dimension\": 2, \"componentType\": \"uint8\", \"pixelType\": \"Scalar\", \"components\": 1}, \"size\": [1, -1]}", "non-negative integer")]
    public void ReadImage_BadIndexJson_IsAFormatError(string json, string expected)
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(temp.Combine("x.iwi"));
        File.WriteAllText(temp.Combine("x.iwi/index.json"), json);

        var e = Assert.Throws<ItkWasmFormatException>(() => ImageFile.Read(temp.Combine("x.iwi")));
        Assert.Contains(expected, e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadMesh_CountsDisagreeingWithArrays_NamesTheArray()
    {
        var bytes = File.ReadAllBytes(SharedData.Path("itk-wasm/cow.iwm.cbor"));
        var at = bytes.AsSpan().IndexOf("cellBufferSize"u8) + "cellBufferSize".Length + 1;
        bytes[at + 7] += 1; // 18856 -> 18857

        using var stream = new MemoryStream(bytes);
        var e = Assert.Throws<ItkWasmFormatException>(() => MeshFile.Read(stream, ItkWasmFileForm.Cbor, "cow"));
        Assert.Contains("cells holds 75424 bytes, but the header declares 75428", e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadAnyKind_RandomByteMutations_FailOnlyWithFormatErrors()
    {
        var files = new[]
        {
            (Bytes: Cthead1, Read: (Action<Stream>)(s => ImageFile.Read(s, ItkWasmFileForm.Cbor).Dispose())),
            (Bytes: File.ReadAllBytes(SharedData.Path("itk-wasm/cow.iwm.cbor")), Read: s => MeshFile.Read(s, ItkWasmFileForm.Cbor).Dispose()),
            (Bytes: File.ReadAllBytes(SharedData.Path("itk-wasm/CompositeTransform.iwt.cbor")), Read: s => TransformListFile.Read(s, ItkWasmFileForm.Cbor).Dispose()),
        };
        var mutation =
            from file in Gen.Choose(0, files.Length - 1)
            from flips in Gen.Zip(Gen.Choose(0, 400), Gen.Choose(0, 255)).ArrayOf().Where(f => f.Length is > 0 and < 8)
            select (file, flips);

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(mutation.ToArbitrary(), m =>
        {
            var (bytes, read) = files[m.file];
            var mutated = (byte[])bytes.Clone();
            foreach (var (position, value) in m.flips)
            {
                mutated[position % Math.Min(mutated.Length, 800)] = (byte)value;
            }

            try
            {
                read(new MemoryStream(mutated));
            }
            catch (ItkWasmFormatException)
            {
                // Expected for most mutations; anything else fails the property.
            }
        }));
    }

    private static ItkWasmFormatException ReadImageFails(byte[] bytes)
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("hostile.iwi.cbor");
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<ItkWasmFormatException>(() => ImageFile.Read(path));
        Assert.Equal(path, e.SourceName);
        Assert.StartsWith(path + ": ", e.Message, StringComparison.Ordinal);
        return e;
    }

    private static byte[] Document(Action<CborWriter> write)
    {
        var w = new CborWriter(CborConformanceMode.Lax);
        write(w);
        return w.Encode();
    }

    private static byte[] ImageDocument(
        long[] size,
        int dataLength,
        long? declaredDataLength = null,
        bool dataFirst = false,
        Action<CborWriter>? metadata = null,
        (string Key, string Value)? typeOverride = null)
    {
        var w = new CborWriter(CborConformanceMode.Lax, allowMultipleRootLevelValues: true);
        w.WriteStartMap(metadata is null ? 3 : 4);
        if (dataFirst)
        {
            WriteData();
        }

        w.WriteTextString("imageType");
        w.WriteStartMap(4);
        foreach (var (key, value) in new[] { ("componentType", "uint8"), ("pixelType", "Scalar") })
        {
            w.WriteTextString(key);
            w.WriteTextString(typeOverride is { } o && o.Key == key ? o.Value : value);
        }

        w.WriteTextString("dimension");
        w.WriteUInt32((uint)size.Length);
        w.WriteTextString("components");
        w.WriteUInt32(1);
        w.WriteEndMap();
        w.WriteTextString("size");
        w.WriteStartArray(size.Length);
        foreach (var s in size)
        {
            w.WriteUInt64((ulong)s);
        }

        w.WriteEndArray();
        if (metadata is not null)
        {
            w.WriteTextString("metadata");
            metadata(w);
        }

        if (!dataFirst)
        {
            WriteData();
        }

        w.WriteEndMap();
        var bytes = w.Encode();
        if (declaredDataLength is { } declared)
        {
            // Patch the byte string head (0x50 for 16 bytes) into a 9-byte head claiming `declared` bytes.
            var head = bytes.AsSpan().LastIndexOf(new byte[] { 0x50 });
            var patched = new List<byte>(bytes[..head]) { 0x5b };
            patched.AddRange(BitConverter.GetBytes((ulong)declared).Reverse());
            patched.AddRange(bytes[(head + 1)..]);
            return [.. patched];
        }

        return bytes;

        void WriteData()
        {
            w.WriteTextString("data");
            w.WriteTag((CborTag)64);
            w.WriteByteString(new byte[dataLength]);
        }
    }

    private static void CopyDirectory(string source, string destination)
    {
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(destination, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    /// <summary>A read-only stream that hides its length, like a network or blob download stream.</summary>
    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }
    }

    [Fact]
    public void ReadImage_ZstdBomb_IsRefusedAtItsDeclaredSize_BeforeAnythingIsAllocated()
    {
        // 512 MiB of zeros compress to a few kilobytes: the size is real once decompressed, so only a cap helps.
        using var stream = new MemoryStream();
        using (var zeros = new Image(new ImageType(2, ComponentType.UInt8, PixelType.Scalar, 1)) { Size = [32768, 16384], Origin = [0, 0], Spacing = [1, 1], Direction = [1, 0, 0, 1] })
        {
            zeros.Data.Dispose();
            zeros.Data = DataBuffer.Allocate(zeros.ByteLength);
            zeros.Data.AsSpan().Clear();
            ImageFile.Write(zeros, stream, ItkWasmFileForm.CborZstd);
        }

        Assert.True(stream.Length < 1 << 20, $"the bomb is {stream.Length} bytes");
        stream.Position = 0;
        var e = Assert.Throws<ItkWasmFormatException>(() => ImageFile.Read(stream, ItkWasmFileForm.CborZstd, "bomb.iwi.cbor.zst", maxDataBytes: 64 << 20));

        Assert.Contains("declares 536870912 bytes, more than the 67108864", e.Problem, StringComparison.Ordinal);
    }
}
