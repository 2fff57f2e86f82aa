using ItkWasmCluster.Storage.Blobs;

namespace ItkWasmCluster.Storage.Tests.Blobs;

/// <summary>Locations: their spellings, and a silo's confinement to the folders, containers and module locations it
/// serves (no server needed: nothing here connects).</summary>
public sealed class BlobStoresTests : IDisposable
{
    private const string Account = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;";
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData("az://data/images/", null, "data", "images/")]
    [InlineData("az://data", null, "data", "")]
    [InlineData("https://acct.blob.core.windows.net/data/images?sv=2025&sig=secret", "acct", "data", "images/")]
    [InlineData("http://127.0.0.1:10000/devstoreaccount1/data/a%20b/", "devstoreaccount1", "data", "a b/")]
    public void BlobLocations_Parse(string text, string? account, string container, string prefix)
    {
        var location = BlobLocation.Parse(text);

        Assert.True(location.IsBlob);
        Assert.Equal(account, location.Account);
        Assert.Equal(container, location.Container);
        Assert.Equal(prefix, location.Prefix);
        Assert.DoesNotContain("secret", location.Display, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("az://data/a/../b/", "'..'")]
    [InlineData("az://data/a/%2e%2e/b/", "'..'")]
    [InlineData("az://data/a//b/", "empty")]
    [InlineData("az://Data/x", "container name")]
    [InlineData("https://acct.blob.core.windows.net/", "names no container")]
    public void BadBlobLocations_AreRefused_SayingWhy(string text, string why)
    {
        var error = Assert.Throws<FormatException>(() => BlobLocation.Parse(text));
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Confinement_ServesOnlyItsFolders_ContainersAndModuleLocations_NamingTheSetting()
    {
        var data = Directory.CreateDirectory(temp.Combine("data")).FullName;
        var modules = Directory.CreateDirectory(temp.Combine("modules")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(data, "escape"), "/etc");
        var stores = new BlobStores(new BlobStorageOptions
        {
            ConnectionString = Account,
            Confinement = new StorageConfinement { DataRoots = [data], BlobContainers = ["az://allowed/jobs/"], ModuleRoots = [modules, "az://modules/"] },
        });

        Assert.Equal(Path.Combine(data, "in"), stores.Resolve(Path.Combine(data, "in")).LocalPath);
        Assert.Equal("jobs/a/", stores.Resolve("az://allowed/jobs/a/").Prefix);
        Assert.Equal("allowed", stores.Resolve("http://127.0.0.1:10000/devstoreaccount1/allowed/jobs/b").Container); // the same account, by URL
        Assert.NotNull(stores.Resolve(Path.Combine(modules, "m.wasi.wasm"), LocationUse.Module));
        Assert.NotNull(stores.Resolve("az://modules/m.wasi.wasm", LocationUse.Module));

        Refused("/etc", LocationUse.Data, "--data-root");
        Refused(data + "/../outside", LocationUse.Data, "--data-root");
        Refused(Path.Combine(data, "escape"), LocationUse.Data, "--data-root");
        Refused(Path.Combine(data, "escape", "passwd"), LocationUse.Data, "--data-root");
        Refused("relative/path", LocationUse.Data, "relative path");
        Refused("az://other/jobs/", LocationUse.Data, "--blob-container");
        Refused("az://allowed/", LocationUse.Data, "--blob-container"); // above the allowed prefix
        Refused("https://someone.blob.core.windows.net/allowed/jobs/", LocationUse.Data, "--blob-container"); // another account
        Refused(Path.Combine(data, "m.wasi.wasm"), LocationUse.Module, "--module-root");
        Refused("az://allowed/jobs/m.wasi.wasm", LocationUse.Module, "--module-root");

        void Refused(string location, LocationUse use, string setting)
        {
            var error = Assert.Throws<BlobLocationException>(() => stores.Resolve(location, use));
            Assert.Contains(setting, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ConfinedFolderStore_NeitherListsNorOpens_ASymbolicLinkOutOfItsRoot()
    {
        var data = Directory.CreateDirectory(temp.Combine("data")).FullName;
        await File.WriteAllTextAsync(Path.Combine(data, "inside.txt"), "in");
        File.CreateSymbolicLink(Path.Combine(data, "passwd.txt"), "/etc/passwd");
        var stores = new BlobStores(new BlobStorageOptions { Confinement = new StorageConfinement { DataRoots = [data] } });
        var store = stores.Open(data);

        var names = new List<string>();
        await foreach (var blob in store.ListAsync(""))
        {
            names.Add(blob.Name);
        }

        Assert.Equal(["inside.txt"], names);
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => store.OpenReadAsync("passwd.txt"));
        await using var inside = await store.OpenReadAsync("inside.txt");
        Assert.Equal(2, inside.Length);
    }

    [Fact]
    public void Unconfined_TakesAnyPath_RelativeToTheWorkingFolder()
    {
        var stores = new BlobStores(new BlobStorageOptions { ConnectionString = null });

        Assert.Equal(Path.GetFullPath("some/where"), stores.Resolve("some/where").LocalPath);
        Assert.Equal("/etc", stores.Resolve("/etc").LocalPath);
        var error = Assert.Throws<BlobLocationException>(() => stores.Open("az://data/x/"));
        Assert.Contains("AZURE_STORAGE_CONNECTION_STRING", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://devstoreaccount1.blob.attacker.example/allowed/jobs/x/?sv=1&sig=a")] // the account's name, another host
    [InlineData("http://127.0.0.1:{port}/devstoreaccount1/allowed/jobs/x/?sv=1&sig=a")] // path-style, another port
    [InlineData("http://127.0.0.1:{port}/devstoreaccount1/allowed/jobs/x/")]
    [InlineData("https://127.0.0.1:10000/devstoreaccount1/allowed/jobs/x/")] // another scheme
    public async Task Confinement_ComparesTheWholeEndpoint_AndNoRequestLeavesForAnotherHost(string text)
    {
        using var trap = new LoopbackTrap();
        var modules = Directory.CreateDirectory(temp.Combine("modules")).FullName;
        var stores = new BlobStores(new BlobStorageOptions
        {
            ConnectionString = Account,
            Confinement = new StorageConfinement { BlobContainers = ["az://allowed/jobs/"], ModuleRoots = ["az://allowed/jobs/"] },
        });
        var location = text.Replace("{port}", trap.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

        Assert.Contains("--blob-container", Assert.Throws<BlobLocationException>(() => stores.Resolve(location)).Message, StringComparison.Ordinal);
        Assert.Contains("--module-root", Assert.Throws<BlobLocationException>(() => stores.Resolve(location + "m.wasi.wasm", LocationUse.Module)).Message, StringComparison.Ordinal);
        var parsed = BlobLocation.Parse(location);
        Assert.Throws<BlobLocationException>(() => stores.Open(parsed));
        await Assert.ThrowsAsync<BlobLocationException>(() => stores.DownloadModuleAsync(parsed.Child("m.wasi.wasm"), temp.Combine("m.wasi.wasm"), null));
        await Assert.ThrowsAsync<BlobLocationException>(() => stores.CreateContainerIfMissingAsync(parsed));
        Assert.Equal(0, trap.Connections);
    }

    [Fact]
    public async Task Unconfined_AnotherEndpoint_NamingTheAccount_IsNeverSignedWithItsKey()
    {
        using var trap = new LoopbackTrap();
        var stores = new BlobStores(new BlobStorageOptions { ConnectionString = Account });
        var store = stores.Open($"http://127.0.0.1:{trap.Port}/devstoreaccount1/data/x/");

        await Assert.ThrowsAnyAsync<Exception>(async () => await store.OpenReadAsync("a.iwi.cbor"));

        Assert.NotEmpty(trap.Requests);
        Assert.All(trap.Requests, head => Assert.DoesNotContain("Authorization:", head, StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("https://acct.blob.core.windows.net/data/x/?a")]
    [InlineData("https://acct.blob.core.windows.net/data/x/?sv=2025&sig=")]
    public void BlobUrl_WithAQueryThatIsNotASas_IsRefused(string text)
    {
        var error = Assert.Throws<FormatException>(() => BlobLocation.Parse(text));
        Assert.Contains("not a SAS", error.Message, StringComparison.Ordinal);
    }
}
