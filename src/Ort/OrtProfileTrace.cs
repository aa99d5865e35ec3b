using System.Text.Json;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Ort;

/// <summary>
/// Reads ORT's profiler output (Chrome trace format): every node's "_kernel_time" event (category "Node"; its op in
/// args.op_name, µs in dur) counts under ORT's op name, a Conv or FusedConv classed like the native executor's
/// (<see cref="ProfileKey.Conv"/>) from the shapes in args, so the two profiles' rows line up. Runs are the "model_run"
/// events (category "Session"); kernels timed before the first counted run (warm-up) are left out.
/// </summary>
internal static class OrtProfileTrace
{
    public static void AddTo(OperatorProfile profile, string tracePath, int skipRuns)
    {
        using var stream = File.OpenRead(tracePath);
        using var doc = JsonDocument.Parse(stream);
        var events = doc.RootElement.ValueKind == JsonValueKind.Array ? doc.RootElement
            : doc.RootElement.TryGetProperty("traceEvents", out var te) ? te : throw new InvalidDataException($"{tracePath}: not a Chrome trace");
        var runStarts = new List<long>();
        foreach (var e in events.EnumerateArray())
            if (Category(e) == "Session" && Name(e) == "model_run") runStarts.Add(e.GetProperty("ts").GetInt64());
        if (skipRuns >= runStarts.Count) return;
        runStarts.Sort();
        long from = runStarts[skipRuns];
        foreach (var e in events.EnumerateArray())
        {
            if (Category(e) != "Node" || !Name(e).EndsWith("_kernel_time", StringComparison.Ordinal) || e.GetProperty("ts").GetInt64() < from) continue;
            if (!e.TryGetProperty("args", out var args) || !args.TryGetProperty("op_name", out var opName)) continue;
            profile.Add(Key(opName.GetString() ?? "?", args), TimeSpan.FromMicroseconds(e.GetProperty("dur").GetInt64()));
        }
    }

    private static string Category(JsonElement e) => e.TryGetProperty("cat", out var c) ? c.GetString() ?? "" : "";
    private static string Name(JsonElement e) => e.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "";

    // The trace has shapes but no attributes: the group comes from the input's and the weight's channel counts, the
    // stride from the spatial sizes.
    private static string Key(string op, JsonElement args)
    {
        if (op is not ("Conv" or "FusedConv") || Shapes(args, "input_type_shape") is not { Count: >= 2 } ins
            || Shapes(args, "output_type_shape") is not { Count: >= 1 } outs) return op;
        long[] x = ins[0], w = ins[1], y = outs[0];
        if (w.Length < 3 || x.Length != w.Length || y.Length != w.Length || w[1] <= 0 || x[1] % w[1] != 0) return op;
        var strides = new long[w.Length - 2];
        for (int d = 0; d < strides.Length; d++) strides[d] = Stride(x[d + 2], y[d + 2], w[d + 2]);
        return ProfileKey.Conv(op, x[1] / w[1], w, strides);
    }

    // The smallest stride s for which some total padding p in [0, 2(k-1)] gives out = (in + p - k) / s + 1.
    internal static long Stride(long input, long output, long kernel)
    {
        if (output <= 1) return 1;
        for (long s = 1; s <= Math.Max(1, input); s++)
            for (long p = 0; p <= 2 * (kernel - 1); p++)
                if (input + p >= kernel && (input + p - kernel) / s + 1 == output) return s;
        return 1;
    }

    // args.input_type_shape: [{"float": [1, 3, 224, 224]}, ...], one object per input.
    private static List<long[]>? Shapes(JsonElement args, string name)
    {
        if (!args.TryGetProperty(name, out var list) || list.ValueKind != JsonValueKind.Array) return null;
        var shapes = new List<long[]>();
        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object) return null;
            foreach (var typed in item.EnumerateObject())
            {
                if (typed.Value.ValueKind != JsonValueKind.Array) return null;
                shapes.Add(typed.Value.EnumerateArray().Select(d => d.GetInt64()).ToArray());
                break;
            }
        }
        return shapes;
    }
}
