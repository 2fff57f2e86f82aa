using System.Formats.Cbor;

namespace ItkWasm.IO.Cbor;

/// <summary>
/// The <c>.iwt.cbor</c> transform-list format, byte layout as written by ITK-Wasm's <c>WasmTransformIO</c>
/// (ITKWASM-SPEC §3.3): an array of maps, each <c>transformType</c>, two u64 counts, <c>name</c>,
/// <c>inputSpaceName</c>, <c>outputSpaceName</c>, and for non-<c>Composite</c> entries <c>fixedParameters</c>
/// (float64) and <c>parameters</c>. No metadata.
/// </summary>
internal static class TransformCbor
{
    /// <summary>Reads a transform list; any key order, unknown keys skipped, tag numbers not trusted.</summary>
    public static TransformList Read(Stream stream, string sourceName)
    {
        var r = new CborStreamReader(stream, sourceName);
        var count = r.ReadContainerHead(CborMajorType.Array, "an .iwt.cbor document");
        var list = new TransformList();
        try
        {
            for (long i = 0; i < count; i++)
            {
                list.Add(ReadTransform(r, i));
            }

            return list;
        }
        catch
        {
            list.Dispose();
            throw;
        }
    }

    /// <summary>Builds the document for <paramref name="transforms"/>, byte-identical to ITK-Wasm's writer.</summary>
    public static CborDocumentWriter Write(TransformList transforms)
    {
        transforms.Validate();
        var doc = new CborDocumentWriter();
        var w = doc.Items;
        doc.WriteArrayHead(transforms.Count);
        foreach (var t in transforms)
        {
            var tt = t.TransformType;
            doc.WriteMapHead(t.IsCompositeHeader ? 6 : 8);
            w.WriteTextString("transformType");
            w.WriteStartMap(4);
            w.WriteTextString("transformParameterization");
            w.WriteTextString(tt.TransformParameterization.ToItkWasmString());
            w.WriteTextString("parametersValueType");
            w.WriteTextString(tt.ParametersValueType.ToItkWasmString());
            w.WriteTextString("inputDimension");
            w.WriteUInt32Fixed(tt.InputDimension);
            w.WriteTextString("outputDimension");
            w.WriteUInt32Fixed(tt.OutputDimension);
            w.WriteEndMap();
            w.WriteTextString("numberOfFixedParameters");
            w.WriteUInt64Fixed(t.NumberOfFixedParameters);
            w.WriteTextString("numberOfParameters");
            w.WriteUInt64Fixed(t.NumberOfParameters);
            foreach (var (key, value) in new[]
                     {
                         ("name", t.Name), ("inputSpaceName", t.InputSpaceName), ("outputSpaceName", t.OutputSpaceName),
                     })
            {
                w.WriteTextString(key);
                w.WriteTextString(value);
            }

            if (!t.IsCompositeHeader)
            {
                doc.WriteTypedArray("fixedParameters", t.FixedParameters);
                doc.WriteTypedArray("parameters", tt.ParametersValueType, t.Parameters);
            }
        }

        return doc;
    }

    private static Transform ReadTransform(CborStreamReader r, long index)
    {
        var what = $"transform {index}";
        var entries = r.ReadContainerHead(CborMajorType.Map, what);
        TransformType? type = null;
        long? fixedCount = null, parameterCount = null;
        DataBuffer? fixedParameters = null, parameters = null;
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            r.ReadMapEntries(entries, key =>
            {
                switch (key)
                {
                    case "transformType":
                        type = r.Decode(r.CaptureItem(key), $"{what} {key}", ReadTransformType);
                        break;
                    case "numberOfFixedParameters":
                        fixedCount = r.Decode(r.CaptureItem(key), $"{what} {key}", CborItems.ReadCount);
                        break;
                    case "numberOfParameters":
                        parameterCount = r.Decode(r.CaptureItem(key), $"{what} {key}", CborItems.ReadCount);
                        break;
                    case "name" or "inputSpaceName" or "outputSpaceName":
                        names[key] = r.Decode(r.CaptureItem(key), $"{what} {key}", CborItems.ReadText);
                        break;
                    case "fixedParameters":
                        fixedParameters = r.ReadTypedArray($"{what} {key}", checked(fixedCount * 8));
                        break;
                    case "parameters":
                        parameters = r.ReadTypedArray(
                            $"{what} {key}", checked(parameterCount * type?.ParametersValueType.SizeInBytes()));
                        break;
                    default:
                        r.SkipItem(key);
                        break;
                }
            });

            if (type is null)
            {
                throw r.Error($"{what} has no \"transformType\" entry");
            }

            var transform = new Transform(type)
            {
                NumberOfFixedParameters = fixedCount ?? 0,
                NumberOfParameters = parameterCount ?? 0,
                Name = names.GetValueOrDefault("name", string.Empty),
                InputSpaceName = names.GetValueOrDefault("inputSpaceName", string.Empty),
                OutputSpaceName = names.GetValueOrDefault("outputSpaceName", string.Empty),
                FixedParameters = fixedParameters?.ToArray<double>() ?? [],
            };
            if (parameters is not null)
            {
                transform.Parameters.Dispose();
                transform.Parameters = parameters;
                parameters = null;
            }

            try
            {
                transform.Validate();
            }
            catch (InvalidOperationException e)
            {
                transform.Dispose();
                throw r.Error($"{what}: {e.Message}", null, e);
            }

            return transform;
        }
        catch (OverflowException e)
        {
            throw r.Error($"{what}: a parameter count is too large", null, e);
        }
        finally
        {
            fixedParameters?.Dispose();
            parameters?.Dispose();
        }
    }

    private static TransformType ReadTransformType(CborReader reader)
    {
        var t = new TransformType(TransformParameterization.Identity);
        reader.ReadMap((key, c) =>
        {
            t = key switch
            {
                "transformParameterization" => t with { TransformParameterization = ReadParameterization(c) },
                "parametersValueType" => t with { ParametersValueType = c.ReadComponentType() },
                "inputDimension" => t with { InputDimension = c.ReadSmallCount() },
                "outputDimension" => t with { OutputDimension = c.ReadSmallCount() },
                _ => c.Skip(t),
            };
        });
        return t;
    }

    private static TransformParameterization ReadParameterization(CborReader reader)
    {
        var s = reader.ReadText();
        return ItkWasmEnums.TryParseTransformParameterization(s, out var p)
            ? p
            : throw new FormatException($"unknown transform parameterization \"{s}\"");
    }
}
