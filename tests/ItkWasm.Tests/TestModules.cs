namespace ItkWasm.Tests;

/// <summary>The WASI modules the tests run: the project's own (Modules/*.c, built by Modules/build.sh) and the
/// genuine ITK-Wasm ones in shared/data/itk-wasm/wasi.</summary>
public static class TestModules
{
    /// <summary>Returns the path of the project's own module <paramref name="name"/>.</summary>
    public static string Own(string name)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "modules");
        var missing = Path.Combine(directory, "MISSING-TOOLCHAIN");
        if (File.Exists(missing))
        {
            throw new InvalidOperationException(File.ReadAllText(missing));
        }

        return Path.Combine(directory, name + ".wasi.wasm");
    }

    /// <summary>Returns the path of the genuine ITK-Wasm module <paramref name="name"/>.</summary>
    public static string Genuine(string name) => SharedData.Path($"itk-wasm/wasi/{name}.wasi.wasm");
}
