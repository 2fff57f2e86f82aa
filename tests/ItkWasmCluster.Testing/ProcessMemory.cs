namespace ItkWasmCluster.Testing;

/// <summary>This process's memory, from <c>/proc/self/status</c> (Linux).</summary>
public static class ProcessMemory
{
    /// <summary>Returns the peak resident set (VmHWM), in MiB.</summary>
    public static long PeakMiB() => File.ReadLines("/proc/self/status")
        .Where(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
        .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024)
        .Single();

    /// <summary>Resets the peak resident set to the current one (Linux 4.0+: writing 5 to <c>clear_refs</c>), so that
    /// <see cref="PeakMiB"/> then measures the peak of what follows.</summary>
    public static void ResetPeak() => File.WriteAllText("/proc/self/clear_refs", "5");
}
