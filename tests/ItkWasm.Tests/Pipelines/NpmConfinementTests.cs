using ItkWasm.IO;
using ItkWasm.Pipelines;
using ItkWasm.Runtime.Node;

namespace ItkWasm.Tests.Pipelines;

/// <summary>What an npm pipeline reference can reach: only a pipeline that an installed package ships, in an executor
/// that sees none of the host's secrets and none of its folders but the files it is given.</summary>
[Collection("NodeRuntime")]
public sealed class NpmConfinementTests(NodeRuntimeFixture fixture) : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData("@itk-wasm/downsample:/data/u/x")]
    [InlineData("@itk-wasm/../../data/u/x:x")]
    [InlineData("@itk-wasm/downsample:../../../data/u/x")]
    [InlineData("@../data/u:x")]
    [InlineData("@itk-wasm/down/sample:x")]
    [InlineData("@itk-wasm/downsample:.hidden")]
    [InlineData("@itk-wasm/Downsample:downsample")]
    public void NpmReference_WithANameThatIsNotPlain_IsRefused(string reference)
    {
        var error = Assert.Throws<FormatException>(() => PipelineReference.Parse(reference));

        Assert.Contains("plain names", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NpmReference_BuiltWithAPath_IsRefusedBeforeAnythingIsImported()
    {
        var reference = new PipelineReference(PipelineModuleKind.Npm, "@itk-wasm/../../tmp", "x");

        var error = await Assert.ThrowsAsync<PipelineRunException>(() => new Pipeline(reference, fixture.Runtime).RunAsync([], [], []));

        Assert.Equal(PipelineFailureKind.InvalidRequest, error.Kind);
    }

    [Fact]
    public async Task PipelineFile_ThatIsASymbolicLinkOutOfItsPackage_IsRefused()
    {
        var pipelines = Directory.CreateDirectory(temp.Combine("node_modules/@evil/pkg/dist/pipelines")).FullName;
        await File.WriteAllTextAsync(temp.Combine("payload.js"), "process.exit(7)");
        File.CreateSymbolicLink(Path.Combine(pipelines, "x.js"), temp.Combine("payload.js"));
        await File.WriteAllBytesAsync(Path.Combine(pipelines, "x.wasm.zst"), [1, 2, 3]);
        using var runtime = new NodeWasmRuntime(new NodeWasmRuntimeOptions { NodeModulesDirectory = temp.Combine("node_modules"), MaxConcurrency = 1 });

        var error = await Assert.ThrowsAsync<PipelineRunException>(() => new Pipeline(PipelineReference.Parse("@evil/pkg:x"), runtime).RunAsync([], [], []));

        Assert.Contains("symbolic link", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Executor_SeesNoneOfTheHostsSecrets()
    {
        const string Secret = "do-not-leak-4c1d";
        Environment.SetEnvironmentVariable("ITKWASM_SILO_TOKEN_FOR_THIS_TEST", Secret);
        Environment.SetEnvironmentVariable("AZURE_STORAGE_CONNECTION_STRING_FOR_THIS_TEST", $"AccountKey={Secret}");
        try
        {
            using var runtime = new NodeWasmRuntime(new NodeWasmRuntimeOptions { MaxConcurrency = 1 });
            await new Pipeline(PipelineReference.Parse("@itk-wasm/downsample:downsample"), runtime).GetInterfaceAsync();

            var executors = NodeRuntimeFixture.ExecutorProcesses();
            Assert.NotEmpty(executors);
            foreach (var pid in executors)
            {
                var environment = await File.ReadAllTextAsync($"/proc/{pid}/environ");
                Assert.DoesNotContain(Secret, environment, StringComparison.Ordinal);
                Assert.Contains("PATH=", environment, StringComparison.Ordinal);
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable("ITKWASM_SILO_TOKEN_FOR_THIS_TEST", null);
            Environment.SetEnvironmentVariable("AZURE_STORAGE_CONNECTION_STRING_FOR_THIS_TEST", null);
        }
    }

    [Fact]
    public async Task Module_CannotWriteAHostFileItWasNotGivenAsAnOutput()
    {
        using var transforms = TransformListFile.Read(SharedData.Path("itk-wasm/LinearTransform.iwt"));
        var declared = temp.Combine("declared.iwt.cbor");
        var undeclared = temp.Combine("undeclared.iwt.cbor");
        var write = new Pipeline(PipelineReference.Parse("@itk-wasm/transform-io:wasm-write-transform"), fixture.Runtime);

        // The module is told to write 'undeclared', beside the declared output in the folder mounted for it: the write
        // is refused and the run fails.
        await Assert.ThrowsAsync<PipelineRunException>(() => write.RunAsync(["0", "0", undeclared], [new PipelineOutput(InterfaceType.JsonCompatible), PipelineOutput.File(InterfaceType.BinaryFile, declared)], [PipelineInput.TransformList(transforms)]));

        Assert.False(File.Exists(undeclared));
        using var result = await write.RunAsync(["0", "0", declared], [new PipelineOutput(InterfaceType.JsonCompatible), PipelineOutput.File(InterfaceType.BinaryFile, declared)], [PipelineInput.TransformList(transforms)]);
        Assert.True(File.Exists(declared));
    }
}
