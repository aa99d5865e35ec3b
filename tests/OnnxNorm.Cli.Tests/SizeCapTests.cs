using System.IO.Compression;
using System.Text;
using Google.Protobuf;
using OnnxNorm.Ir;
using OnnxNorm.Ir.Proto;
using OnnxNorm.TestModels;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Cli.Tests;

/// <summary>Issue 14, item 9: the caps cover string tensors and archives too.</summary>
public class SizeCapTests
{
    [Fact]
    public void String_tensors_count_toward_the_tensor_cap()
    {
        string dir = TestData.NewTempDir();
        var b = new ModelBuilder(opset: 17);
        var t = new TensorProto { Name = "words", DataType = (int)ElementType.String, Dims = { 200 } };
        for (int i = 0; i < 200; i++) t.StringData.Add(ByteString.CopyFromUtf8(new string('a', 100)));
        b.Graph.Initializer.Add(t);
        b.Node("Identity", new[] { "words" }, new[] { "y" }, "id");
        b.Output("y", ElementType.String, 200);
        string model = Path.Combine(dir, "strings.onnx");
        b.Save(model);
        var env = new Dictionary<string, string> { [LoadLimits.MaxTensorBytesVariable] = "4096" };
        CliAssert.BadInput(OnnxnormProcess.RunWithEnvironment(env, "inspect", model), "tensor 'words' holds");
        Assert.Equal(0, OnnxnormProcess.Run("inspect", model).ExitCode);
    }

    [Fact]
    public void A_zip_bomb_npz_is_refused_before_it_is_inflated()
    {
        var w = new HostileFiles();
        string npz = w.PathOf("bomb.npz");
        const int samples = 16384; // 16384 x 3 x 32 x 32 float zeros: 192 MiB that deflate to well under 1 MiB
        using (var zip = ZipFile.Open(npz, ZipArchiveMode.Create))
        {
            using var s = zip.CreateEntry("x.npy", CompressionLevel.SmallestSize).Open();
            string dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({samples}, 3, 32, 32), }}";
            string header = dict + new string(' ', 63 - (10 + dict.Length) % 64) + "\n";
            s.Write(new byte[] { 0x93 });
            s.Write(Encoding.ASCII.GetBytes("NUMPY"));
            s.Write(new byte[] { 1, 0, (byte)header.Length, 0 });
            s.Write(Encoding.ASCII.GetBytes(header));
            var zeros = new byte[1 << 20];
            for (int i = 0; i < samples * 3 * 32 * 32 * 4 / zeros.Length; i++) s.Write(zeros);
        }
        Assert.True(new FileInfo(npz).Length < 2 << 20, $"the archive is {new FileInfo(npz).Length} bytes");
        var r = OnnxnormProcess.Run("check-stats", w.Model, "--data", npz);
        CliAssert.BadInput(r, "zip bomb");
    }

    // Large files and many CLI processes: 15-20 s under load, so the fast loop (./test.sh --fast) leaves it to the full suite.
    [Trait("Category", "Slow")]
    [Fact]
    public void A_large_external_tensor_is_not_held_twice_by_run_on_the_native_engine()
    {
        // y = x + w with w a 256 MiB external tensor: x, the run-time copy of w and y are needed (3x);
        // the mapped pages of w are dropped as they are copied, and the preview no longer converts y to doubles.
        string dir = TestData.NewTempDir();
        const long elements = 64L << 20;
        var b = new ModelBuilder(opset: 17);
        var x = b.Input("x", ElementType.Float, elements);
        var w = new TensorProto { Name = "w", DataType = (int)ElementType.Float, Dims = { elements }, DataLocation = TensorProto.Types.DataLocation.External };
        w.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "w.bin" });
        b.Graph.Initializer.Add(w);
        b.Node("Add", new[] { x, "w" }, new[] { "y" }, "add");
        b.Output("y", ElementType.Float, elements);
        string model = Path.Combine(dir, "ext.onnx");
        b.Save(model);
        using (var f = File.Create(Path.Combine(dir, "w.bin")))
        {
            var chunk = new byte[1 << 20];
            Array.Fill(chunk, (byte)0x3F);
            for (int i = 0; i < elements * 4 / chunk.Length; i++) f.Write(chunk);
        }
        var r = OnnxnormProcess.RunUnder(new[] { "/usr/bin/time", "-f", "peak-kb %M" }, "run", model, "--engine", "native");
        Assert.True(r.ExitCode == 0, r.Stderr);
        string line = r.StderrLines.Last(l => l.StartsWith("peak-kb ", StringComparison.Ordinal));
        double peakBytes = double.Parse(line["peak-kb ".Length..]) * 1024;
        double tensorBytes = elements * 4;
        Assert.True(peakBytes < 3.5 * tensorBytes, $"peak RSS {peakBytes / (1 << 20):N0} MiB for a {tensorBytes / (1 << 20):N0} MiB tensor ({peakBytes / tensorBytes:F2}x)");
    }
}
