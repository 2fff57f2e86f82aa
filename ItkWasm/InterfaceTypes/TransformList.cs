using System.Collections.ObjectModel;

namespace ItkWasm;

/// <summary>
/// ITK-Wasm's <c>TransformList</c>: an ordered list of transforms. A composite transform is a <c>Composite</c> header
/// followed by its components (ITKWASM-SPEC §2.6). Disposing the list disposes every transform in it.
/// </summary>
public sealed class TransformList : Collection<Transform>, IDisposable
{
    /// <summary>Creates an empty list.</summary>
    public TransformList()
    {
    }

    /// <summary>Creates a list holding <paramref name="transforms"/>, which it then owns.</summary>
    public TransformList(IEnumerable<Transform> transforms)
        : base(transforms.ToList())
    {
    }

    /// <summary>Validates every transform.</summary>
    /// <exception cref="InvalidOperationException">Names the position of the first invalid transform.</exception>
    public void Validate()
    {
        for (var i = 0; i < Count; i++)
        {
            try
            {
                this[i].Validate();
            }
            catch (InvalidOperationException e)
            {
                throw new InvalidOperationException($"transform {i}: {e.Message}", e);
            }
        }
    }

    /// <summary>Disposes every transform.</summary>
    public void Dispose()
    {
        foreach (var t in this)
        {
            t.Dispose();
        }
    }
}
