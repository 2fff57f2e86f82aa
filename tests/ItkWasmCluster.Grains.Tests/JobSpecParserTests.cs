using ItkWasmCluster.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace ItkWasmCluster.Grains.Tests;

public class JobSpecParserTests
{
    private const string Yaml = """
        name: demo
        input: { location: images, include: ["*.png", "*.nii.gz"] }
        stages:
          - pipeline: "@itk-wasm/downsample:downsample"
            args: [--shrink-factors, "2", "2"]
            argsByDimension: { 3: [--shrink-factors, "2", "2", "2"] }
        output: { location: out, format: .nii.gz }
        retries: 4
        taskTimeoutSeconds: 30
        """;

    [Fact]
    public void Parse_Yaml_ReadsEveryFieldAndResolvesLocations()
    {
        var spec = JobSpecParser.Parse(Yaml, yaml: true, "/data/jobs");

        Assert.Equal("demo", spec.Name);
        Assert.Equal("/data/jobs/images", spec.Input.Location);
        Assert.Equal(["*.png", "*.nii.gz"], spec.Input.Include);
        Assert.Equal(DatasetSpec.DefaultExclude, spec.Input.Exclude);
        var stage = Assert.Single(spec.Stages);
        Assert.Equal(["--shrink-factors", "2", "2"], stage.ArgsFor(2));
        Assert.Equal(["--shrink-factors", "2", "2", "2"], stage.ArgsFor(3));
        Assert.Equal(("/data/jobs/out", ".nii.gz"), (spec.Output.Location, spec.Output.Format));
        Assert.Equal((4, TimeSpan.FromSeconds(30)), (spec.Retries, spec.ItemTimeout));
    }

    [Fact]
    public void Accelerator_IsParsed_RefusedWhenUnknown_AndLeftOutOfTheJsonWhenAuto()
    {
        var gpu = JobSpecParser.Parse(Yaml.Replace("args: [--shrink-factors, \"2\", \"2\"]", "args: [--shrink-factors, \"2\", \"2\"]\n    accelerator: gpu"), yaml: true, "/data/jobs");
        var auto = JobSpecParser.Parse(Yaml, yaml: true, "/data/jobs");

        Assert.Equal(StageAccelerator.Gpu, gpu.Stages[0].Accelerator);
        Assert.Equal(StageAccelerator.Auto, auto.Stages[0].Accelerator);
        Assert.Equal("gpu", JobSpecParser.ToJson(gpu)["stages"]![0]!["accelerator"]!.GetValue<string>());
        Assert.Null(JobSpecParser.ToJson(auto)["stages"]![0]!["accelerator"]); // so a spec written before the field keeps its job id
        Assert.Equal(StageAccelerator.Gpu, JobSpecParser.FromJson(JobSpecParser.ToJson(gpu)).Stages[0].Accelerator);
        var bad = Assert.Throws<JobSpecException>(() => JobSpecParser.Parse(Yaml.Replace("args: [--shrink-factors, \"2\", \"2\"]", "args: []\n    accelerator: cuda"), yaml: true, "/data/jobs"));
        Assert.Contains("'cuda' is not one of auto, wasm, simd, gpu", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MultiscalesAndOmeZarrOutput_AreParsed_RoundTrip_AndMisuseIsRefusedNamingTheField()
    {
        const string Pyramid = "name: p\ninput: in\nstages:\n  - multiscales: { levels: 3, method: itkwasm_bin_shrink }\n    accelerator: wasm\noutput: { location: out, format: .ome.zarr, ngff: \"0.5\", chunks: [64, 64, 32], compressor: blosc-zstd }\n";
        JobSpecException Refused(string yaml) => Assert.Throws<JobSpecException>(() => JobSpecParser.Parse(yaml, yaml: true, "/data"));

        var spec = JobSpecParser.Parse(Pyramid, yaml: true, "/data");
        var again = JobSpecParser.FromJson(JobSpecParser.ToJson(spec));

        var stage = Assert.Single(spec.Stages);
        Assert.Equal(new MultiscalesSpec(3, MultiscalesSpec.BinShrink), stage.Multiscales);
        Assert.Equal("@itk-wasm/downsample:downsample-bin-shrink", stage.Pipeline);
        Assert.Equal(["--shrink-factors", "2", "2", "2"], stage.ArgsFor(3));
        Assert.Equal(StageAccelerator.Wasm, stage.Accelerator);
        Assert.Equal(("0.5", "blosc-zstd"), (spec.Output.Ngff, spec.Output.Compressor));
        Assert.Equal([64L, 64, 32], spec.Output.Chunks!);
        Assert.Equal(JobSpecParser.ToJson(spec).ToJsonString(), JobSpecParser.ToJson(again).ToJsonString());
        Assert.Equal(stage.Multiscales, again.Stages[0].Multiscales);
        Assert.Equal("stages[0].multiscales", Refused(Pyramid.Replace(".ome.zarr", ".iwi.cbor", StringComparison.Ordinal).Replace(", ngff: \"0.5\", chunks: [64, 64, 32], compressor: blosc-zstd", string.Empty, StringComparison.Ordinal)).Field);
        Assert.Equal("stages[0].multiscales.levels", Refused(Pyramid.Replace("levels: 3", "levels: 0", StringComparison.Ordinal)).Field);
        Assert.Equal("stages[0].multiscales.method", Refused(Pyramid.Replace("itkwasm_bin_shrink", "itkwasm_label_image", StringComparison.Ordinal)).Field);
        Assert.Equal("output.ngff", Refused(Pyramid.Replace("\"0.5\"", "\"0.3\"", StringComparison.Ordinal)).Field);
        Assert.Equal("output.compressor", Refused(Pyramid.Replace("blosc-zstd", "lz4", StringComparison.Ordinal)).Field);
        Assert.Equal("output.ngff", Refused("name: p\ninput: in\nstages: [{ pipeline: m.wasm }]\noutput: { location: out, format: .iwi.cbor, ngff: \"0.4\" }\n").Field);
    }

    [Fact]
    public void MalformedYamlAndJson_SayWhere_WithoutAdviceTheAuthorCannotFollow()
    {
        var yaml = Assert.Throws<JobSpecException>(() => JobSpecParser.Parse("name: a\ninput: in\nstages:\n  - pipeline: x\n   args: [1]\n  bad\noutput: out\n", yaml: true));
        var unclosed = Assert.Throws<JobSpecException>(() => JobSpecParser.Parse("name: a\ninput: in\nstages:\n  - pipeline: [unclosed\noutput: out\n", yaml: true));
        var json = Assert.Throws<JobSpecException>(() => JobSpecParser.Parse("{\n  \"name\": \"a\",\n  \"input\": \"in\",,\n}", yaml: false));

        Assert.Matches(@"^\(document\): not valid YAML at line [4-7], column \d+: ", yaml.Message);
        Assert.DoesNotContain("Idx:", yaml.Message, StringComparison.Ordinal);
        Assert.Matches(@"^\(document\): not valid YAML after line [3-5]: it cannot be read past there \(is a \[ or \{ left open\?\)$", unclosed.Message);
        Assert.StartsWith("(document): not valid JSON at line 3, column ", json.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("reader options", json.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("BytePositionInLine", json.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_LeavesBlobLocationsAsWritten()
    {
        var spec = JobSpecParser.Parse(Yaml.Replace("location: images", "location: az://data/images/").Replace("location: out", "location: 'https://acct.blob.core.windows.net/results/run1?sv=x'"), yaml: true, "/data/jobs");

        Assert.Equal("az://data/images/", spec.Input.Location);
        Assert.Equal("https://acct.blob.core.windows.net/results/run1?sv=x", spec.Output.Location);
    }

    [Fact]
    public void ToJson_ThenFromJson_GivesTheSameSpec()
    {
        var spec = JobSpecParser.Parse(Yaml, yaml: true, "/data/jobs");

        var back = JobSpecParser.FromJson(JobSpecParser.ToJson(spec));

        Assert.Equal(JobSpecParser.ToJson(spec).ToJsonString(), JobSpecParser.ToJson(back).ToJsonString());
        Assert.Equal(JobIds.For(spec), JobIds.For(back));
    }

    [Fact]
    public void ItemTimeoutSeconds_IsTheKey_TheOldKeyStillReadsWithAWarning_AndNoJobIdChanged()
    {
        var warnings = new List<string>();
        var old = JobSpecParser.Parse(Yaml, yaml: true, "/data/jobs", warnings.Add);
        var renamed = JobSpecParser.Parse(Yaml.Replace("taskTimeoutSeconds", "itemTimeoutSeconds", StringComparison.Ordinal), yaml: true, "/data/jobs", warnings.Add);

        Assert.Equal(TimeSpan.FromSeconds(30), renamed.ItemTimeout);
        Assert.Contains("taskTimeoutSeconds is deprecated; write itemTimeoutSeconds", Assert.Single(warnings), StringComparison.Ordinal);
        Assert.Equal(JobIds.For(old), JobIds.For(renamed));
        Assert.Equal("f932823c3c16b7b7", JobIds.For(old)); // the id this spec had before the rename
        Assert.Contains("\"itemTimeoutSeconds\":30", JobSpecParser.ToJson(old).ToJsonString(), StringComparison.Ordinal);
        var both = Assert.Throws<JobSpecException>(() => JobSpecParser.Parse(Yaml + "\nitemTimeoutSeconds: 30", yaml: true));
        Assert.Equal("taskTimeoutSeconds", both.Field);
    }

    [Fact]
    public void SpecBuiltInCSharp_CrossesGrainCallsThroughOrleansSerializer_Whole()
    {
        // Collection expressions make types Orleans' serializer does not know; the spec keeps its lists as arrays.
        var spec = new JobSpec
        {
            Name = "typed",
            Input = new DatasetSpec { Location = "/data/in", Include = ["*.nrrd"], Items = ["a.nrrd", "b/c.nrrd"] },
            Stages = [new StageSpec { Pipeline = "@itk-wasm/downsample:downsample", Args = ["--shrink-factors", "2", "2"], ArgsByDimension = new Dictionary<int, IReadOnlyList<string>> { [3] = ["--shrink-factors", "2", "2", "2"] }, Accelerator = StageAccelerator.Simd }],
            Output = new OutputSpec { Location = "az://results/run/", Format = ".iwi.cbor.zst" },
            Retries = 5,
            ItemTimeout = TimeSpan.FromSeconds(42),
        };
        using var services = new ServiceCollection().AddSerializer(b => b.AddAssembly(typeof(JobSpec).Assembly)).BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();

        var back = serializer.Deserialize<JobSpec>(serializer.SerializeToArray(spec))!;

        Assert.Equal(JobSpecParser.ToJson(spec).ToJsonString(), JobSpecParser.ToJson(back).ToJsonString());
        Assert.Equal(JobIds.For(spec), JobIds.For(back));
    }

    [Theory]
    [InlineData("{}", "stages: is required")]
    [InlineData("""{"name":"x","input":"a","output":"b","stages":[]}""", "stages: a job needs at least one stage")]
    [InlineData("""{"name":"x","input":"a","output":"b","stages":[{"args":[]}]}""", "stages[0].pipeline: is required")]
    [InlineData("""{"name":"x","input":"a","output":"b","stages":[{"pipeline":"p","args":"--x"}]}""", "stages[0].args: must be a list of strings")]
    [InlineData("""{"name":"x","input":"a","output":"b","stages":[{"pipeline":"p"}],"retries":-1}""", "retries: must be 0 to 100, not -1")]
    [InlineData("""{"name":"x","input":"a","output":{"location":"b","format":"png"},"stages":[{"pipeline":"p"}]}""", "output.format: must be an extension")]
    [InlineData("""{"name":"x","input":"a","output":"b","stages":[{"pipeline":"p","argsByDimension":{"two":[]}}]}""", "stages[0].argsByDimension: 'two' is not a dimension")]
    [InlineData("""{"name":"x","input":"a","output":"b","stages":[{"pipeline":"p"}],"colour":"red"}""", "colour: unknown field")]
    [InlineData("""{"name":"x","input":"a","output":"b","stages":[{"pipeline":"p","bogusField":3}]}""", "stages[0].bogusField: unknown field; the fields are pipeline, args, argsByDimension")]
    [InlineData("""{"name":"x","input":{"location":"a","inclde":["*"]},"output":"b","stages":[{"pipeline":"p"}]}""", "input.inclde: unknown field")]
    [InlineData("""{"name":"x","input":"a","output":{"location":"b","fromat":".nrrd"},"stages":[{"pipeline":"p"}]}""", "output.fromat: unknown field")]
    [InlineData("[1, 2", "(document): not valid JSON")]
    public void Parse_InvalidSpec_NamesTheField(string json, string expected)
    {
        var e = Assert.Throws<JobSpecException>(() => JobSpecParser.Parse(json, yaml: false));

        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a/b/name.png", "a/b/name.iwi.cbor")]
    [InlineData("scan.v2.nii.gz", "scan.v2.iwi.cbor")]
    [InlineData("x.iwi.cbor.zst", "x.iwi.cbor")]
    [InlineData("noextension", "noextension.iwi.cbor")]
    public void ResultName_ReplacesTheWholeExtension(string input, string expected) =>
        Assert.Equal(expected, new OutputSpec { Location = "o" }.ResultName(input));
}
