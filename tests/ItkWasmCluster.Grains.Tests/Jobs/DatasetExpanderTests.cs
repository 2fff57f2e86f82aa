using ItkWasm;
using ItkWasm.IO;
using ItkWasmCluster.Grains.Jobs;
using ItkWasmCluster.Jobs;
using ItkWasmCluster.Storage.Blobs;

namespace ItkWasmCluster.Grains.Tests.Jobs;

/// <summary>A dataset's items: an <c>.iwi</c> directory is one item, by listing and by name, whose identity changes
/// with any of its parts.</summary>
public class DatasetExpanderTests
{
    [Fact]
    public async Task AnIwiDirectory_IsOneItem_ListedOrNamed_AndAnyPartChangesIt()
    {
        using var temp = new TempDirectory();
        var store = new FileSystemBlobStore(temp.Combine("in"));
        using (var image = new Image(new ImageType(2, ComponentType.UInt8)) { Size = [4, 3] })
        {
            ImageFile.Write(image, Path.Combine(store.Root, "a/scan.iwi"));
            ImageFile.Write(image, Path.Combine(store.Root, "b.iwi.cbor"));
        }

        await File.WriteAllTextAsync(Path.Combine(store.Root, "a/scan.iwi/notes.txt"), "not a part");
        var spec = new JobSpec { Name = "d", Input = new DatasetSpec { Location = store.Root }, Stages = [new StageSpec { Pipeline = "m.wasm" }], Output = new OutputSpec { Location = temp.Combine("out") } };

        var listed = await DatasetExpander.ExpandAsync(spec, store, CancellationToken.None);
        var named = await DatasetExpander.ExpandAsync(spec with { Input = spec.Input with { Items = ["a/scan.iwi"] } }, store, CancellationToken.None);

        Assert.Equal(new[] { ("a/scan.iwi", "a/scan.iwi.cbor"), ("b.iwi.cbor", "b.iwi.cbor") }, listed.Select(i => (i.Input, i.Output)));
        var directory = listed[0];
        Assert.Equal(Directory.GetFiles(Path.Combine(store.Root, "a/scan.iwi"), "*.*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".txt", StringComparison.Ordinal)).Sum(f => new FileInfo(f).Length), directory.Length);
        Assert.Equal(directory with { Index = 0 }, Assert.Single(named));
        var before = await DirectoryItems.Sha256Async(store, "a/scan.iwi", CancellationToken.None);

        await File.WriteAllBytesAsync(Path.Combine(store.Root, "a/scan.iwi/data/direction.raw"), new byte[32]);
        File.SetLastWriteTimeUtc(Path.Combine(store.Root, "a/scan.iwi/data/direction.raw"), DateTime.UtcNow.AddMinutes(1));

        var changed = Assert.Single(await DatasetExpander.ExpandAsync(spec with { Input = spec.Input with { Items = ["a/scan.iwi"] } }, store, CancellationToken.None));
        Assert.NotEqual(directory.Version, changed.Version);
        Assert.NotEqual(before, await DirectoryItems.Sha256Async(store, "a/scan.iwi", CancellationToken.None));
        var missing = await Assert.ThrowsAsync<JobSpecException>(() => DatasetExpander.ExpandAsync(spec with { Input = spec.Input with { Items = ["c.iwi"] } }, store, CancellationToken.None));
        Assert.Equal("input.items[0]", missing.Field);
    }
}
