using System.Diagnostics;
using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using ItkWasmCluster.Storage.Blobs;

namespace ItkWasmCluster.Cli.Tests.Blobs;

/// <summary>The command line's <c>convert</c>, <c>info</c> and <c>exec</c> on blobs (Azurite), by SAS URL and by
/// <c>az://</c> with <c>AZURE_STORAGE_CONNECTION_STRING</c>.</summary>
[Trait("Category", "Processes")]
public sealed class BlobCliTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task Convert_ThroughABlobDirectoryFormAndABlobFile_GivesTheOriginalBytes()
    {
        var (container, sas) = NewContainer();
        var source = SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor");

        var up = await RunAsync("convert", source, Url(container, "scans/a.iwi", sas));
        var across = await RunAsync("convert", Url(container, "scans/a.iwi", sas), Url(container, "scans/b.iwi.cbor.zst", sas));
        var down = await RunAsync("convert", Url(container, "scans/b.iwi.cbor.zst", sas), temp.Combine("c.iwi.cbor"));

        Assert.All([up, across, down], r => Assert.True(r.Code == 0, r.Stderr));
        Assert.Equal(await File.ReadAllBytesAsync(source), await File.ReadAllBytesAsync(temp.Combine("c.iwi.cbor")));
        var names = new List<string>();
        await foreach (var blob in container.GetBlobsAsync())
        {
            names.Add(blob.Name);
        }

        Assert.Contains("scans/b.iwi.cbor.zst", names);
        Assert.Contains("scans/a.iwi/index.json", names); // the directory form as the blobs below its name
        Assert.True(names.Count(n => n.StartsWith("scans/a.iwi/", StringComparison.Ordinal)) > 1, string.Join(", ", names));
    }

    [Fact]
    public async Task Info_OnABlob_DescribesItLikeTheFile_WithoutPrintingTheSas()
    {
        var (container, sas) = NewContainer();
        var source = SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor");
        await container.GetBlobClient("x/cthead1.iwi.cbor").UploadAsync(source);

        var local = await RunAsync("info", source);
        var blob = await RunAsync("info", Url(container, "x/cthead1.iwi.cbor", sas));

        Assert.True(blob.Code == 0, blob.Stderr);
        Assert.Equal(Sha256Of(local.Stdout), Sha256Of(blob.Stdout));
        Assert.Contains($"{container.Uri.AbsoluteUri}/x/cthead1.iwi.cbor", blob.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("sig=", blob.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exec_AModuleAndItsInputAndOutputAsBlobs_GivesTheLocalRunsOutput()
    {
        var (container, sas) = NewContainer();
        var module = Path.Combine(AppContext.BaseDirectory, "modules", "negate.wasi.wasm");
        var input = SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor");
        await container.GetBlobClient("modules/negate.wasi.wasm").UploadAsync(module);
        await container.GetBlobClient("in/cthead1.iwi.cbor").UploadAsync(input);

        var local = await RunAsync("exec", module, input, temp.Combine("negated.iwi.cbor"));
        var remote = await RunAsync("exec", Url(container, "modules/negate.wasi.wasm", sas), Url(container, "in/cthead1.iwi.cbor", sas), Url(container, "out/negated.iwi.cbor", sas));

        Assert.True(local.Code == 0, local.Stderr);
        Assert.True(remote.Code == 0, remote.Stderr);
        Assert.Equal(local.Stdout, remote.Stdout);
        var written = (await container.GetBlobClient("out/negated.iwi.cbor").DownloadContentAsync()).Value.Content.ToArray();
        Assert.Equal(await File.ReadAllBytesAsync(temp.Combine("negated.iwi.cbor")), written);
    }

    [Fact]
    public async Task MissingBlobs_AndAContainerTheSasDoesNotCover_AreOneLineErrors_WithoutTheSas()
    {
        var (container, sas) = NewContainer();

        var missing = await RunAsync("info", Url(container, "nope.iwi.cbor", sas));
        var noContainer = await RunAsync("convert", SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"), $"{azurite.Server.BlobEndpoint}/absent-container/a.iwi.cbor?{sas}");

        Assert.Equal(CliApp.Failure, missing.Code);
        Assert.Contains("nope.iwi.cbor: no such blob", missing.Stderr, StringComparison.Ordinal);
        Assert.Equal(CliApp.Failure, noContainer.Code);
        Assert.Contains("refused access (403)", noContainer.Stderr, StringComparison.Ordinal); // a SAS for another container
        Assert.All([missing, noContainer], r =>
        {
            Assert.DoesNotContain("sig=", r.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal);
            Assert.Single(r.Stderr.TrimEnd().Split('\n'));
        });
    }

    [Fact]
    public async Task AzLocations_TakeTheAccountFromTheEnvironment()
    {
        var (container, _) = NewContainer();
        await container.GetBlobClient("cthead1.iwi.cbor").UploadAsync(SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"));
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "itkwasm-cluster.dll"), "info", $"az://{container.Name}/cthead1.iwi.cbor" })
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["AZURE_STORAGE_CONNECTION_STRING"] = azurite.Server.Connection;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 0, stderr);
        Assert.Contains("\"dataBytes\": 196608", await stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UploadingIntoAMissingContainer_CreatesIt()
    {
        var name = "new" + Guid.NewGuid().ToString("N")[..12];
        var sas = azurite.Service.GenerateAccountSasUri(AccountSasPermissions.All, DateTimeOffset.UtcNow.AddHours(1), AccountSasResourceTypes.All).Query.TrimStart('?');

        var run = await RunAsync("convert", SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"), $"{azurite.Server.BlobEndpoint}/{name}/a.iwi.cbor?{sas}");

        Assert.True(run.Code == 0, run.Stderr);
        Assert.True((await azurite.Service.GetBlobContainerClient(name).GetBlobClient("a.iwi.cbor").ExistsAsync()).Value);
    }

    [Fact]
    public async Task UploadingAFolderAgain_RemovesTheBlobsItNoLongerHolds()
    {
        var stores = new BlobStores();
        var folder = Directory.CreateDirectory(temp.Combine("form.iwi")).FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "a"), "1");
        await File.WriteAllTextAsync(Path.Combine(folder, "b"), "2");
        var target = stores.Resolve(temp.Combine("store/x.iwi"));

        await stores.UploadAsync(folder, target);
        File.Delete(Path.Combine(folder, "b"));
        await stores.UploadAsync(folder, target);

        Assert.Equal(["a"], Directory.GetFiles(temp.Combine("store/x.iwi")).Select(Path.GetFileName));
        var back = await stores.DownloadAsync(target, Directory.CreateDirectory(temp.Combine("back")).FullName);
        Assert.Equal("1", await File.ReadAllTextAsync(Path.Combine(back, "a")));
    }

    private static string Sha256Of(string infoJson) =>
        System.Text.Json.JsonDocument.Parse(infoJson).RootElement.GetProperty("sha256").GetString()!;

    private static string Url(BlobContainerClient container, string name, string sas) => $"{container.Uri.AbsoluteUri}/{name}?{sas}";

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await CliApp.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private (BlobContainerClient Container, string Sas) NewContainer()
    {
        var container = azurite.Service.GetBlobContainerClient(azurite.NewContainer());
        var sas = container.GenerateSasUri(BlobContainerSasPermissions.All, DateTimeOffset.UtcNow.AddHours(1)).Query.TrimStart('?');
        return (container, sas);
    }
}
