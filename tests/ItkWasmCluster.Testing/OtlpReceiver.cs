using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace ItkWasmCluster.Testing;

/// <summary>
/// A stand-in OpenTelemetry collector: an HTTP server that takes OTLP/HTTP protobuf exports (<c>POST /v1/traces</c>,
/// <c>/v1/metrics</c>, <c>/v1/logs</c>) and keeps the spans it is sent. It decodes only what the tests look at, from
/// the OTLP protobuf definitions (<c>opentelemetry/proto/trace/v1/trace.proto</c>): each span's trace id, span id,
/// parent span id, name and string attributes, and its resource's string attributes.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication app;

    private OtlpReceiver(WebApplication app, string endpoint)
    {
        this.app = app;
        Endpoint = endpoint;
    }

    /// <summary>Gets the base URL to give as <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.</summary>
    public string Endpoint { get; }

    /// <summary>Gets the spans received so far.</summary>
    public ConcurrentQueue<ReceivedSpan> Spans { get; } = new();

    /// <summary>Starts one on a free port of 127.0.0.1.</summary>
    public static async Task<OtlpReceiver> StartAsync()
    {
        var endpoint = $"http://127.0.0.1:{Ports.Free()}";
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(endpoint);
        var app = builder.Build();
        var receiver = new OtlpReceiver(app, endpoint);
        app.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            foreach (var span in Decode(body.ToArray()))
            {
                receiver.Spans.Enqueue(span);
            }

            return Results.Bytes([], "application/x-protobuf");
        });
        app.MapPost("/v1/{signal}", () => Results.Bytes([], "application/x-protobuf"));
        await app.StartAsync();
        return receiver;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await app.DisposeAsync();

    // ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
    private static List<ReceivedSpan> Decode(byte[] request)
    {
        var spans = new List<ReceivedSpan>();
        foreach (var resourceSpans in Fields(request).Where(f => f.Number == 1))
        {
            // ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
            var resource = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var field in Fields(resourceSpans.Bytes))
            {
                if (field.Number == 1)
                {
                    Attributes(Fields(field.Bytes).Where(a => a.Number == 1), resource); // Resource { repeated KeyValue attributes = 1; }
                }
            }

            foreach (var scopeSpans in Fields(resourceSpans.Bytes).Where(f => f.Number == 2))
            {
                // ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
                foreach (var span in Fields(scopeSpans.Bytes).Where(f => f.Number == 2))
                {
                    // Span { bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5; repeated KeyValue attributes = 9; }
                    var fields = Fields(span.Bytes).ToList();
                    string Hex(int number) => Convert.ToHexStringLower(fields.FirstOrDefault(f => f.Number == number).Bytes ?? []);
                    var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
                    Attributes(fields.Where(f => f.Number == 9), attributes);
                    spans.Add(new ReceivedSpan(Hex(1), Hex(2), Hex(4), Encoding.UTF8.GetString(fields.First(f => f.Number == 5).Bytes), attributes, resource));
                }
            }
        }

        return spans;
    }

    // KeyValue { string key = 1; AnyValue value = 2; }, AnyValue { string string_value = 1; bool = 2; int64 = 3; ... }:
    // string and integer values kept, as text.
    private static void Attributes(IEnumerable<Field> keyValues, Dictionary<string, string> into)
    {
        foreach (var keyValue in keyValues)
        {
            var parts = Fields(keyValue.Bytes).ToList();
            var key = Encoding.UTF8.GetString(parts.First(p => p.Number == 1).Bytes);
            var any = Fields(parts.FirstOrDefault(p => p.Number == 2).Bytes ?? []).FirstOrDefault();
            into[key] = any.Number switch
            {
                1 => Encoding.UTF8.GetString(any.Bytes),
                3 => any.Varint.ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => string.Empty,
            };
        }
    }

    // The fields of one protobuf message (wire types 0, 1, 2 and 5).
    private static IEnumerable<Field> Fields(byte[] message)
    {
        var at = 0;
        while (at < message.Length)
        {
            var tag = Varint(message, ref at);
            var number = (int)(tag >> 3);
            switch ((int)(tag & 7))
            {
                case 0:
                    yield return new Field(number, [], Varint(message, ref at));
                    break;
                case 1:
                    at += 8;
                    yield return new Field(number, [], 0);
                    break;
                case 2:
                    var length = (int)Varint(message, ref at);
                    yield return new Field(number, message.AsSpan(at, length).ToArray(), 0);
                    at += length;
                    break;
                case 5:
                    at += 4;
                    yield return new Field(number, [], 0);
                    break;
                default:
                    throw new InvalidDataException($"protobuf wire type {tag & 7} at byte {at}");
            }
        }
    }

    private static ulong Varint(byte[] data, ref int at)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = data[at++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }

    private readonly record struct Field(int Number, byte[] Bytes, ulong Varint);
}

/// <summary>A span as the receiver decoded it: ids in lowercase hex (the parent empty for a root).</summary>
public sealed record ReceivedSpan(string TraceId, string SpanId, string ParentSpanId, string Name, IReadOnlyDictionary<string, string> Attributes, IReadOnlyDictionary<string, string> Resource);
