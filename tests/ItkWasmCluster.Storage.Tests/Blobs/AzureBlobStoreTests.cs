using System.Security.Cryptography;
using Azure.Storage;
using ItkWasmCluster.Storage.Blobs;

namespace ItkWasmCluster.Storage.Tests.Blobs;

/// <summary><see cref="AzureBlobStore"/> against a real Azurite: listing, properties, streaming both ways, ranged
/// reads, and the exactly-once create.</summary>
public sealed class AzureBlobStoreTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    // Small blocks, so that a few MiB already go up as staged blocks and a commit.
    private static readonly StorageTransferOptions SmallBlocks = new() { InitialTransferSize = 1 << 20, MaximumTransferSize = 1 << 20, MaximumConcurrency = 2 };

    [Fact]
    public async Task Store_ListsReadsAndDeletes_UnderItsPrefixOnly()
    {
        var container = azurite.NewContainer();
        var store = new BlobStores(azurite.Options()).Open($"az://{container}/data/");
        var other = new BlobStores(azurite.Options()).Open($"az://{container}/other/");
        var uploaded = await store.UploadAsync("a/one.bin", Bytes([1, 2, 3]));
        await store.UploadAsync("a/.hidden", Bytes([4]));
        await other.UploadAsync("x.bin", Bytes([5]));

        var listed = await ToListAsync(store.ListAsync(""));
        Assert.Equal(["a/one.bin"], listed.Select(b => b.Name));
        var properties = await store.GetPropertiesAsync("a/one.bin");
        Assert.Equal(3, properties!.Length);
        Assert.Equal(Md5([1, 2, 3]), properties.ContentHash); // computed by the service for a single-request upload
        Assert.Equal(properties, uploaded); // the upload's own response gave them
        Assert.Null(await store.GetPropertiesAsync("x.bin"));

        await using (var read = await store.OpenReadAsync("a/one.bin"))
        {
            Assert.Equal(new byte[] { 1, 2, 3 }, await ReadAllAsync(read));
        }

        await Assert.ThrowsAsync<FileNotFoundException>(() => store.OpenReadAsync("missing.bin"));
        Assert.True(await store.DeleteAsync("a/one.bin"));
        Assert.False(await store.DeleteAsync("a/one.bin"));
        Assert.Null(store.GetLocalPath("a/one.bin"));
    }

    [Fact]
    public async Task TryCreate_TwoRacingWritersOfStagedBlocks_OneWins_AndNothingIsOverwritten()
    {
        var store = new BlobStores(azurite.Options(transfer: SmallBlocks)).Open($"az://{azurite.NewContainer()}/");
        for (var round = 0; round < 3; round++)
        {
            var name = $"result-{round}.bin";
            var (first, second) = (RandomNumberGenerator.GetBytes(3 << 20), RandomNumberGenerator.GetBytes(3 << 20));
            var created = await Task.WhenAll(store.TryCreateAsync(name, Bytes(first)), store.TryCreateAsync(name, Bytes(second)));

            var winner = Assert.Single(created, c => c is not null)!;
            var bytes = ReferenceEquals(winner, created[0]) ? first : second;
            await using var read = await store.OpenReadAsync(name);
            Assert.Equal(bytes, await ReadAllAsync(read));
            Assert.Equal(Md5(bytes), (await store.GetPropertiesAsync(name))!.ContentHash); // set after the commit
            Assert.Equal(await store.GetPropertiesAsync(name), winner); // what the create returned is what is stored
            Assert.Null(await store.TryCreateAsync(name, Bytes([9])));
            await using var again = await store.OpenReadAsync(name);
            Assert.Equal(bytes, await ReadAllAsync(again));
        }
    }

    [Fact]
    public async Task AFailedWrite_CommitsNothing()
    {
        var store = new BlobStores(azurite.Options(transfer: SmallBlocks)).Open($"az://{azurite.NewContainer()}/");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.TryCreateAsync("half.bin", async (stream, ct) =>
        {
            await stream.WriteAsync(new byte[5 << 20], ct); // past one block: some blocks were staged
            throw new InvalidOperationException("the writer failed");
        }));

        Assert.Equal("the writer failed", error.Message);
        Assert.Null(await store.GetPropertiesAsync("half.bin"));
        await foreach (var blob in store.ListAsync(""))
        {
            Assert.Fail($"listed {blob.Name}");
        }

        // Azurite counts a name holding only uncommitted blocks as taken by If-None-Match: *; a writer that then finds
        // no blob writes unconditionally, as the item executor does.
        await store.UploadAsync("half.bin", Bytes([1]));
        Assert.Equal(1, (await store.GetPropertiesAsync("half.bin"))!.Length);
    }

    [Fact]
    public async Task RangedRead_FetchesOnlyTheRangesRead()
    {
        var container = azurite.NewContainer();
        var stores = new BlobStores(azurite.Options());
        var store = (AzureBlobStore)stores.Open($"az://{container}/");
        var bytes = RandomNumberGenerator.GetBytes(16 << 20);
        await store.UploadAsync("big.bin", Bytes(bytes));
        azurite.Log.Clear();

        await using var read = await store.OpenRangedReadAsync("big.bin");
        read.Seek(12 << 20, SeekOrigin.Begin);
        var part = new byte[1000];
        await read.ReadExactlyAsync(part);

        Assert.Equal(bytes.AsSpan(12 << 20, 1000).ToArray(), part);
        Assert.True(azurite.Log.Downloads("/big.bin") <= 2, $"{azurite.Log.Downloads("/big.bin")} GETs for one range");
    }

    private static Func<Stream, CancellationToken, Task> Bytes(byte[] bytes) => (stream, ct) => stream.WriteAsync(bytes, ct).AsTask();

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private static async Task<List<BlobItem>> ToListAsync(IAsyncEnumerable<BlobItem> items)
    {
        var list = new List<BlobItem>();
        await foreach (var item in items)
        {
            list.Add(item);
        }

        return list;
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351", Justification = "Azure's Content-MD5, checked as Azure computes it.")]
    private static string Md5(byte[] bytes) => "md5:" + Convert.ToHexStringLower(MD5.HashData(bytes));
}
