using Google.Protobuf;
using OnnxNorm.Ir;
using OnnxNorm.Ir.Proto;
using OnnxNorm.TestModels;

namespace OnnxNorm.Cli.Tests;

/// <summary>Models big enough that saving them takes a while, so a signal or a kill lands mid-write.</summary>
internal static class LargeModels
{
    /// <summary>y = x + w with w a float tensor of <paramref name="megabytes"/> MiB (filled with <paramref name="fill"/>).</summary>
    public static string AddWithBigWeight(string dir, string name, int megabytes, byte fill = 0)
    {
        long elements = (long)megabytes << 18;
        var b = new ModelBuilder(opset: 17);
        var x = b.Input("x", ElementType.Float, elements);
        var raw = new byte[elements * 4];
        Array.Fill(raw, fill);
        var w = new TensorProto { Name = "w", DataType = (int)ElementType.Float, RawData = ByteString.CopyFrom(raw) };
        w.Dims.Add(elements);
        b.Graph.Initializer.Add(w);
        b.Node("Add", new[] { x, "w" }, new[] { "y" }, "add");
        b.Output("y", ElementType.Float, elements);
        string path = Path.Combine(dir, name);
        b.Save(path);
        return path;
    }
}
