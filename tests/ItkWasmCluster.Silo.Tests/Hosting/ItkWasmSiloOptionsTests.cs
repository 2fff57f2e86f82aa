using Microsoft.Extensions.Configuration;

namespace ItkWasmCluster.Silo.Tests.Hosting;

/// <summary>A silo's settings as configuration gives them: Orleans' dashboard on by default, off when asked, and a
/// value that is not a boolean refused with the setting named.</summary>
public sealed class ItkWasmSiloOptionsTests
{
    [Theory]
    [InlineData(null, true)]
    [InlineData("false", false)]
    [InlineData("True", true)]
    public void OrleansDashboard_IsOnUnlessTurnedOff(string? value, bool expected)
    {
        Assert.Equal(expected, ItkWasmSiloOptions.FromConfiguration(Configuration(("ORLEANS_DASHBOARD", value))).OrleansDashboard);
    }

    [Fact]
    public void OrleansDashboard_NotABoolean_IsRefusedNamingTheSetting()
    {
        var error = Assert.Throws<ArgumentException>(() => ItkWasmSiloOptions.FromConfiguration(Configuration(("ORLEANS_DASHBOARD", "sometimes"))));
        Assert.Equal("--orleans-dashboard (ITKWASM_SILO_ORLEANS_DASHBOARD) must be true or false, not 'sometimes'", error.Message);
    }

    private static IConfiguration Configuration(params (string Key, string? Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();
}
