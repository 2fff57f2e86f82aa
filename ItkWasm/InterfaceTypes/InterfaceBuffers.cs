namespace ItkWasm;

/// <summary>Checks shared by the interface types whose buffers are sized by a count times components.</summary>
internal static class InterfaceBuffers
{
    /// <summary>Throws unless <paramref name="buffer"/> holds exactly count × components components.</summary>
    public static void CheckLength(string name, DataBuffer buffer, long count, int components, ComponentType type)
    {
        if (count < 0 || components < 0)
        {
            throw new InvalidOperationException($"{name}: count {count} and components {components} must not be negative.");
        }

        var expected = checked(count * components * type.SizeInBytes());
        if (buffer.Length != expected)
        {
            throw new InvalidOperationException(
                $"{name} holds {buffer.Length} bytes, but {count} × {components} × {type.ToItkWasmString()} "
                + $"needs {expected}.");
        }
    }
}
