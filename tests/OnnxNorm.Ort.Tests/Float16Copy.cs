using Google.Protobuf;
using OnnxNorm.Ir.Proto;

namespace OnnxNorm.Ort.Tests;

/// <summary>A float16 copy of a float32 model, as a user's "cast the whole model to fp16" export would be: every float
/// weight, Constant, graph input/output and declared value becomes float16, and a Cast to float casts to float16.</summary>
internal static class Float16Copy
{
    private const int Float = 1, Float16 = 10;

    public static byte[] Of(string path) => Of(File.ReadAllBytes(path));

    public static byte[] Of(byte[] model)
    {
        var proto = ModelProto.Parser.ParseFrom(model);
        var g = proto.Graph;
        foreach (var t in g.Initializer) Narrow(t);
        foreach (var n in g.Node)
            foreach (var a in n.Attribute)
            {
                if (n.OpType == "Constant" && a.Name == "value") Narrow(a.T);
                if (n.OpType == "Cast" && a.Name == "to" && a.I == Float) a.I = Float16;
            }
        foreach (var v in g.Input.Concat(g.Output).Concat(g.ValueInfo))
            if (v.Type?.TensorType is { ElemType: Float } tt) tt.ElemType = Float16;
        return proto.ToByteArray();
    }

    private static void Narrow(TensorProto t)
    {
        if (t.DataType != Float) return;
        float[] values = t.RawData.Length > 0
            ? Enumerable.Range(0, t.RawData.Length / 4).Select(i => BitConverter.ToSingle(t.RawData.Span.Slice(i * 4, 4))).ToArray()
            : t.FloatData.ToArray();
        var bytes = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++) BitConverter.TryWriteBytes(bytes.AsSpan(i * 2), (Half)values[i]);
        t.FloatData.Clear();
        t.RawData = ByteString.CopyFrom(bytes);
        t.DataType = Float16;
    }
}
