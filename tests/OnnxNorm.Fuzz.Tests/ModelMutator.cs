using OnnxNorm.Ir;
using Google.Protobuf;
using OnnxNorm.Ir.Proto;
using OnnxNorm.TestModels;

namespace OnnxNorm.Fuzz.Tests;

/// <summary>
/// Deterministic mutations of a model file. Byte-level ones (flips, truncation, length-field corruption)
/// reach the parser; structure-aware ones decode the model, damage one thing (drop or duplicate a node,
/// rename an edge, change dims or attributes, break tensor data) and re-encode, so they reach the
/// validator, the passes and the executor.
/// </summary>
public static class ModelMutator
{
    public static readonly string[] Kinds =
    {
        "flip-bytes", "truncate", "corrupt-length", "drop-node", "duplicate-node", "rename-edge",
        "change-dims", "change-attribute", "break-raw-data", "swap-inputs", "change-dtype", "huge-dims",
    };

    public static (string Kind, byte[] Bytes) Mutate(byte[] original, DeterministicRandom rng)
    {
        string kind = Kinds[(int)(rng.NextUInt64() % (ulong)Kinds.Length)];
        return (kind, Apply(kind, original, rng));
    }

    public static byte[] Apply(string kind, byte[] original, DeterministicRandom rng)
    {
        switch (kind)
        {
            case "flip-bytes":
            {
                var b = (byte[])original.Clone();
                int flips = 1 + (int)(rng.NextUInt64() % 8);
                for (int i = 0; i < flips; i++) b[(int)(rng.NextUInt64() % (ulong)b.Length)] ^= (byte)(1 << (int)(rng.NextUInt64() % 8));
                return b;
            }
            case "truncate":
                return original[..(int)(rng.NextUInt64() % (ulong)original.Length)];
            case "corrupt-length":
                return CorruptLength(original, rng);
        }
        ModelProto m;
        try { m = ModelProto.Parser.ParseFrom(original); }
        catch (InvalidProtocolBufferException) { return original; }
        var g = m.Graph;
        var nodes = g.Node;
        int Pick(int n) => n == 0 ? 0 : (int)(rng.NextUInt64() % (ulong)n);
        switch (kind)
        {
            case "drop-node" when nodes.Count > 0:
                nodes.RemoveAt(Pick(nodes.Count));
                break;
            case "duplicate-node" when nodes.Count > 0:
            {
                var n = nodes[Pick(nodes.Count)];
                nodes.Insert(Pick(nodes.Count + 1), n.Clone());
                break;
            }
            case "rename-edge" when nodes.Count > 0:
            {
                var n = nodes[Pick(nodes.Count)];
                var other = nodes[Pick(nodes.Count)];
                if (n.Input.Count > 0 && other.Output.Count > 0) n.Input[Pick(n.Input.Count)] = other.Output[0];
                else if (n.Input.Count > 0) n.Input[Pick(n.Input.Count)] = "renamed_" + rng.NextUInt64() % 100;
                break;
            }
            case "swap-inputs" when nodes.Count > 0:
            {
                var n = nodes[Pick(nodes.Count)];
                if (n.Input.Count > 1) { int a = Pick(n.Input.Count), c = Pick(n.Input.Count); (n.Input[a], n.Input[c]) = (n.Input[c], n.Input[a]); }
                break;
            }
            case "change-dims":
            {
                var t = AnyTensor(m, rng);
                if (t is not null && t.Dims.Count > 0)
                {
                    int i = Pick(t.Dims.Count);
                    t.Dims[i] = (long)(rng.NextUInt64() % 5) - 1 + t.Dims[i] / 2;
                }
                else if (g.Input.Count > 0 && g.Input[0].Type?.TensorType?.Shape is { Dim.Count: > 0 } s)
                {
                    s.Dim[Pick(s.Dim.Count)] = new TensorShapeProto.Types.Dimension { DimValue = (long)(rng.NextUInt64() % 7) - 2 };
                }
                break;
            }
            case "huge-dims":
            {
                var t = AnyTensor(m, rng);
                if (t is not null) { t.Dims.Clear(); t.Dims.Add(1L << 20); t.Dims.Add(1L << 20); }
                break;
            }
            case "change-attribute" when nodes.Count > 0:
            {
                var n = nodes[Pick(nodes.Count)];
                if (n.Attribute.Count > 0)
                {
                    var a = n.Attribute[Pick(n.Attribute.Count)];
                    long[] choices = { 0, -1, -7, 1, 2, 3, 1000, long.MaxValue, long.MinValue };
                    long v = choices[Pick(choices.Length)];
                    if (a.Ints.Count > 0) a.Ints[Pick(a.Ints.Count)] = v;
                    else if (a.Type == AttributeProto.Types.AttributeType.Float) a.F = new[] { 0f, -1f, float.NaN, float.PositiveInfinity, 1e30f }[Pick(5)];
                    else a.I = v;
                }
                else n.Attribute.Add(new AttributeProto { Name = "group", Type = AttributeProto.Types.AttributeType.Int, I = 0 });
                break;
            }
            case "break-raw-data":
            {
                var t = AnyTensor(m, rng);
                if (t is not null && t.HasRawData && t.RawData.Length > 1)
                    t.RawData = ByteString.CopyFrom(t.RawData.Span[..(t.RawData.Length - 1 - Pick(Math.Min(7, t.RawData.Length - 1)))]);
                break;
            }
            case "change-dtype":
            {
                var t = AnyTensor(m, rng);
                if (t is not null) t.DataType = new[] { 0, 7, 10, 11, 16, 99, 9 }[Pick(7)];
                break;
            }
        }
        return m.ToByteArray();
    }

    private static TensorProto? AnyTensor(ModelProto m, DeterministicRandom rng)
    {
        var all = new List<TensorProto>(m.Graph.Initializer);
        foreach (var n in m.Graph.Node)
            foreach (var a in n.Attribute)
                if (a.T is not null) all.Add(a.T);
        return all.Count == 0 ? null : all[(int)(rng.NextUInt64() % (ulong)all.Count)];
    }

    // Finds a length-delimited field header and rewrites its length varint to a wrong value.
    private static byte[] CorruptLength(byte[] original, DeterministicRandom rng)
    {
        var candidates = new List<int>();
        for (int i = 0; i + 1 < original.Length && candidates.Count < 4096; i++)
            if ((original[i] & 0x7) == 2 && original[i] >> 3 is > 0 and < 32) candidates.Add(i + 1);
        if (candidates.Count == 0) return original;
        int pos = candidates[(int)(rng.NextUInt64() % (ulong)candidates.Count)];
        var b = (byte[])original.Clone();
        b[pos] = (byte)(rng.NextUInt64() % 2 == 0 ? 0x7F : b[pos] ^ 0x40);
        if (rng.NextUInt64() % 3 == 0 && pos + 4 < b.Length) { b[pos] = 0xFF; b[pos + 1] = 0xFF; b[pos + 2] = 0xFF; b[pos + 3] = 0xFF; b[pos + 4] = 0x0F; }
        return b;
    }
}
