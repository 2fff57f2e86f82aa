using ItkWasmCluster.Silo;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

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
    await using var app = builder.Build().MapItkWasmCluster();
    await SiloHost.StartAsync(app);
    await app.WaitForShutdownAsync();
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"itkwasm-silo: {e.Message}");
    return 2;
}

return 0;
