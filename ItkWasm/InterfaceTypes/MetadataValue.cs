namespace ItkWasm;

/// <summary>The value kinds an ITK-Wasm metadata entry can hold (ITKWASM-SPEC §2.2, metadata reader).</summary>
public enum MetadataValueKind
{
    /// <summary>A boolean.</summary>
    Boolean,

    /// <summary>A number (double precision; ITK-Wasm turns every C++ integer into a JSON number).</summary>
    Number,

    /// <summary>A string.</summary>
    String,

    /// <summary>An array of numbers.</summary>
    NumberArray,

    /// <summary>An array of strings.</summary>
    StringArray,

    /// <summary>An array of number arrays, for example a 4×4 matrix written as 4 rows.</summary>
    NumberMatrix,
}

/// <summary>
/// One value of an image's metadata dictionary: a boolean, a number, a string, an array of numbers, an array of strings
/// or an array of number arrays — the value types ITK-Wasm's metadata readers keep (ITKWASM-SPEC §2.2 and §3.3).
/// Immutable; equality compares kind and contents.
/// </summary>
public sealed class MetadataValue : IEquatable<MetadataValue>
{
    private readonly object value;

    private MetadataValue(MetadataValueKind kind, object value)
    {
        Kind = kind;
        this.value = value;
    }

    /// <summary>Gets the kind of value held.</summary>
    public MetadataValueKind Kind { get; }

    /// <summary>Creates a boolean value.</summary>
    public static MetadataValue FromBoolean(bool value) => new(MetadataValueKind.Boolean, value);

    /// <summary>Creates a number value.</summary>
    public static MetadataValue FromNumber(double value) => new(MetadataValueKind.Number, value);

    /// <summary>Creates a string value.</summary>
    public static MetadataValue FromString(string value) =>
        new(MetadataValueKind.String, value ?? throw new ArgumentNullException(nameof(value)));

    /// <summary>Creates a number-array value from a copy of <paramref name="values"/>.</summary>
    public static MetadataValue FromNumberArray(IEnumerable<double> values) =>
        new(MetadataValueKind.NumberArray, values.ToArray());

    /// <summary>Creates a string-array value from a copy of <paramref name="values"/>.</summary>
    public static MetadataValue FromStringArray(IEnumerable<string> values) =>
        new(MetadataValueKind.StringArray, values.ToArray());

    /// <summary>Creates a number-matrix value (an array of rows) from a copy of <paramref name="rows"/>.</summary>
    public static MetadataValue FromNumberMatrix(IEnumerable<IEnumerable<double>> rows) =>
        new(MetadataValueKind.NumberMatrix, rows.Select(r => r.ToArray()).ToArray());

    /// <summary>Returns the boolean held.</summary>
    /// <exception cref="InvalidOperationException">The value is of another kind.</exception>
    public bool AsBoolean() => As<bool>(MetadataValueKind.Boolean);

    /// <summary>Returns the number held.</summary>
    /// <exception cref="InvalidOperationException">The value is of another kind.</exception>
    public double AsNumber() => As<double>(MetadataValueKind.Number);

    /// <summary>Returns the string held.</summary>
    /// <exception cref="InvalidOperationException">The value is of another kind.</exception>
    public string AsString() => As<string>(MetadataValueKind.String);

    /// <summary>Returns the numbers held.</summary>
    /// <exception cref="InvalidOperationException">The value is of another kind.</exception>
    public IReadOnlyList<double> AsNumberArray() => As<double[]>(MetadataValueKind.NumberArray);

    /// <summary>Returns the strings held.</summary>
    /// <exception cref="InvalidOperationException">The value is of another kind.</exception>
    public IReadOnlyList<string> AsStringArray() => As<string[]>(MetadataValueKind.StringArray);

    /// <summary>Returns the rows held.</summary>
    /// <exception cref="InvalidOperationException">The value is of another kind.</exception>
    public IReadOnlyList<IReadOnlyList<double>> AsNumberMatrix() => As<double[][]>(MetadataValueKind.NumberMatrix);

    /// <inheritdoc/>
    public bool Equals(MetadataValue? other) =>
        other is not null && other.Kind == Kind && Kind switch
        {
            MetadataValueKind.NumberArray => ((double[])value).SequenceEqual((double[])other.value),
            MetadataValueKind.StringArray => ((string[])value).SequenceEqual((string[])other.value),
            MetadataValueKind.NumberMatrix => ((double[][])value).Length == ((double[][])other.value).Length
                && ((double[][])value).Zip((double[][])other.value).All(p => p.First.SequenceEqual(p.Second)),
            _ => value.Equals(other.value),
        };

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as MetadataValue);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Kind, Kind switch
    {
        MetadataValueKind.NumberArray => ((double[])value).Length,
        MetadataValueKind.StringArray => ((string[])value).Length,
        MetadataValueKind.NumberMatrix => ((double[][])value).Length,
        _ => value.GetHashCode(),
    });

    /// <summary>Returns the value in JSON-like notation, for messages and logs.</summary>
    public override string ToString() => Kind switch
    {
        MetadataValueKind.Boolean => AsBoolean() ? "true" : "false",
        MetadataValueKind.Number => AsNumber().ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        MetadataValueKind.String => $"\"{AsString()}\"",
        MetadataValueKind.NumberArray => $"[{string.Join(", ", AsNumberArray())}]",
        MetadataValueKind.StringArray => $"[{string.Join(", ", AsStringArray().Select(s => $"\"{s}\""))}]",
        _ => $"[{string.Join(", ", AsNumberMatrix().Select(r => $"[{string.Join(", ", r)}]"))}]",
    };

    private T As<T>(MetadataValueKind kind) => Kind == kind
        ? (T)value
        : throw new InvalidOperationException($"The metadata value is a {Kind}, not a {kind}.");
}
