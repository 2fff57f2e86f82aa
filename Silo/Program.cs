using ItkWasmCluster.Silo;
using Microsoft.AspNetCore.Builder;

// A silo from the environment's ITKWASM_SILO_* settings (see ItkWasmSiloOptions); `itkwasm-cluster silo` runs the same host.
var builder = WebApplication.CreateSlimBuilder(args);
try
{
    builder.AddItkWasmCluster();
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"itkwasm-silo: {e.Message}");
    return 2;
}

try
{
    await builder.Build().MapItkWasmCluster().RunAsync();
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"itkwasm-silo: {e.Message}");
    return 2;
}

return 0;
