using System.Text;
using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Grains.Tests.Security;

/// <summary>Specs written to hurt: deep nesting, alias bombs, huge text, long names and item names that leave their
/// dataset are refused with the field named, before anything recursive or large runs.</summary>
public sealed class HostileSpecTests
{
    private const string Stage = """stages: [{ pipeline: "@itk-wasm/downsample:downsample" }]""";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void DeeplyNestedSpec_IsRefusedAsADocumentError(bool yaml)
    {
        var text = "name: " + new string('[', 100_000);

        var error = Assert.Throws<JobSpecException>(() => JobSpecParser.Parse(yaml ? text : "{\"name\": " + new string('[', 100_000), yaml));

        Assert.Equal("(document)", error.Field);
    }

    [Fact]
    public void YamlAliases_AreRefused_NotExpanded()
    {
        var bomb = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i < 12; i++)
        {
            bomb.Append(CultureInfo(i)).Append(": &").Append(CultureInfo(i)).Append(" [*").Append(CultureInfo(i - 1)).Append(", *").Append(CultureInfo(i - 1)).Append(", *").Append(CultureInfo(i - 1)).Append("]\n");
        }

        bomb.Append("name: *").Append(CultureInfo(11)).Append('\n');

        var error = Assert.Throws<JobSpecException>(() => JobSpecParser.Parse(bomb.ToString(), yaml: true));

        Assert.Equal("(document)", error.Field);
        Assert.Contains("aliases", error.Message, StringComparison.Ordinal);

        static string CultureInfo(int i) => i == 0 ? "a" : "a" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public void HugeSpec_IsRefused()
    {
        var text = $"name: x\ninput: in\noutput: out\n{Stage}\n# {new string('x', JobSpecParser.MaxSpecBytes)}";

        var error = Assert.Throws<JobSpecException>(() => JobSpecParser.Parse(text, yaml: true));

        Assert.Contains("at most", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LongOrControlCharacterName_IsRefused()
    {
        Assert.Equal("name", Assert.Throws<JobSpecException>(() => JobSpecParser.Parse($"name: {new string('n', 200)}\ninput: in\noutput: out\n{Stage}", yaml: true)).Field);
        Assert.Equal("name", Assert.Throws<JobSpecException>(() => JobSpecParser.Parse("{\"name\": \"a\\u0007b\", \"input\": \"in\", \"output\": \"out\", \"stages\": [{\"pipeline\": \"p\"}]}", yaml: false)).Field);
    }

    [Theory]
    [InlineData("../teamB/x.nrrd")]
    [InlineData("sub/../x.nrrd")]
    [InlineData("/etc/passwd")]
    [InlineData("./x.nrrd")]
    [InlineData("a//b.nrrd")]
    [InlineData("a\\\\b.nrrd")]
    [InlineData("")]
    public void ItemName_ThatIsNotAPlainNameInsideTheDataset_IsRefused(string item)
    {
        var error = Assert.Throws<JobSpecException>(() => JobSpecParser.Parse($$"""{"name": "x", "input": {"location": "in", "items": ["ok.nrrd", "{{item}}"]}, "output": "out", "stages": [{"pipeline": "p"}]}""", yaml: false));

        Assert.Equal("input.items[1]", error.Field);
    }

    [Fact]
    public void ItemListedTwice_IsRefused()
    {
        var error = Assert.Throws<JobSpecException>(() => JobSpecParser.Parse("""{"name": "x", "input": {"location": "in", "items": ["a.nrrd", "b.nrrd", "a.nrrd"]}, "output": "out", "stages": [{"pipeline": "p"}]}""", yaml: false));

        Assert.Equal("input.items[2]", error.Field);
    }
}
