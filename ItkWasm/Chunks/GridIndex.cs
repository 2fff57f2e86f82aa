namespace ItkWasm.Chunks;

/// <summary>Steps a position through a grid in buffer order (the lowest axis fastest).</summary>
internal static class GridIndex
{
    /// <summary>Advances <paramref name="position"/> along the axes from <paramref name="firstAxis"/> up (1: row by
    /// row), wrapping each at <paramref name="size"/>; false once it wrapped past the last.</summary>
    public static bool Next(long[] position, IReadOnlyList<long> size, int firstAxis)
    {
        for (var d = firstAxis; d < position.Length; d++)
        {
            if (++position[d] < size[d])
            {
                return true;
            }

            position[d] = 0;
        }

        return false;
    }
}
