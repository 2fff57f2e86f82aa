using System.Text;

namespace ItkWasm.Runtime.Wasmtime;

/// <summary>What a module writes to one of its standard streams, kept in memory up to a limit. Wasmtime calls
/// <see cref="Add"/> on a thread of its own while the run's thread waits, so calls never overlap.</summary>
/// <param name="limitBytes">How many bytes to keep; the rest is counted and dropped.</param>
internal sealed class OutputCapture(int limitBytes)
{
    private readonly List<byte> kept = [];
    private bool truncated;

    /// <summary>Keeps as much of <paramref name="bytes"/> as the limit allows.</summary>
    public void Add(ReadOnlySpan<byte> bytes)
    {
        lock (kept)
        {
            var room = limitBytes - kept.Count;
            truncated |= bytes.Length > room;
            kept.AddRange(bytes[..Math.Min(bytes.Length, Math.Max(room, 0))]);
        }
    }

    /// <summary>Returns the kept bytes as UTF-8 text, with a note when some were dropped.</summary>
    public string Text()
    {
        lock (kept)
        {
            var text = Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(kept));
            return truncated ? text + "\n[output truncated]" : text;
        }
    }
}
