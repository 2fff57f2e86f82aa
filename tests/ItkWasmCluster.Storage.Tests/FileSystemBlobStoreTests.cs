using System.Text;
using ItkWasmCluster.Storage.Blobs;

namespace ItkWasmCluster.Storage.Tests;

public class FileSystemBlobStoreTests
{
    [Fact]
    public async Task TryCreate_SecondWriter_LosesAndTheFirstBlobStays()
    {
        using var temp = new TempDirectory();
        var store = new FileSystemBlobStore(temp.FullName);

        var created = await store.TryCreateAsync("a/b.bin", Write("first"));
        Assert.Equal(await store.GetPropertiesAsync("a/b.bin"), created); // what the create returned is what is stored
        Assert.Equal(5, created!.Length);
        Assert.Null(await store.TryCreateAsync("a/b.bin", Write("second")));

        Assert.Equal("first", await File.ReadAllTextAsync(temp.Combine("a/b.bin")));
        Assert.Equal(["b.bin"], Directory.GetFiles(temp.Combine("a")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Upload_FailingWriter_LeavesNothingAtTheName()
    {
        using var temp = new TempDirectory();
        var store = new FileSystemBlobStore(temp.FullName);

        await Assert.ThrowsAsync<InvalidOperationException>(() => store.UploadAsync("x.bin", async (s, ct) =>
        {
            await s.WriteAsync(Encoding.UTF8.GetBytes("partial"), ct);
            throw new InvalidOperationException("disk on fire");
        }));

        Assert.Empty(Directory.GetFiles(temp.FullName, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task List_SkipsHiddenFilesAndFolders()
    {
        using var temp = new TempDirectory();
        var store = new FileSystemBlobStore(temp.FullName);
        await store.UploadAsync("a.png", Write("a"));
        await store.UploadAsync("d/b.png", Write("b"));
        Directory.CreateDirectory(temp.Combine(".state"));
        await File.WriteAllTextAsync(temp.Combine(".state/db"), "x");
        await File.WriteAllTextAsync(temp.Combine(".a.png.0123456789abcdef0123456789abcdef.tmp"), "x");

        var names = new List<string>();
        await foreach (var blob in store.ListAsync(string.Empty))
        {
            names.Add(blob.Name);
        }

        Assert.Equal(["a.png", "d/b.png"], names.Order());
        Assert.Equal(1, store.DeleteAbandonedTemporaries());
    }

    [Fact]
    public void DeleteAbandonedTemporaries_OfGivenBlobs_LeavesOtherWritersTemporaries()
    {
        using var temp = new TempDirectory();
        var store = new FileSystemBlobStore(temp.FullName);
        Directory.CreateDirectory(temp.Combine("d"));
        string[] mine = [temp.Combine($".a.iwi.cbor.{Guid.NewGuid():N}.tmp"), temp.Combine($"d/.b.iwi.cbor.{Guid.NewGuid():N}.tmp")];
        string[] others = [temp.Combine($".c.iwi.cbor.{Guid.NewGuid():N}.tmp"), temp.Combine($"d/.a.iwi.cbor.{Guid.NewGuid():N}.tmp")];
        foreach (var file in mine.Concat(others))
        {
            File.WriteAllText(file, "partial");
        }

        Assert.Equal(2, store.DeleteAbandonedTemporaries(["a.iwi.cbor", "d/b.iwi.cbor"]));
        Assert.All(mine, f => Assert.False(File.Exists(f)));
        Assert.All(others, f => Assert.True(File.Exists(f)));
    }

    [Fact]
    public void Names_OutsideTheRoot_AreRefused()
    {
        using var temp = new TempDirectory();
        Assert.Throws<ArgumentException>(() => new FileSystemBlobStore(temp.FullName).GetLocalPath("../escape"));
    }

    private static Func<Stream, CancellationToken, Task> Write(string text) =>
        (stream, ct) => stream.WriteAsync(Encoding.UTF8.GetBytes(text), ct).AsTask();
}
