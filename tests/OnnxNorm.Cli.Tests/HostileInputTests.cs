using System.Buffers.Binary;
using System.Text;
using OnnxNorm.Ir;
using OnnxNorm.Ir.Proto;
using OnnxNorm.Runtime;
using OnnxNorm.Runtime.Data;
using OnnxNorm.TestModels;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Cli.Tests;

/// <summary>Issue 14, items 5 and 6: bad data and bad models are exit 2 with one line, never exit 70, a hang or a corrupt output.</summary>
public class HostileInputTests
{
    private static string Npy(string dir, string name, long[] shape, Func<int, float> value)
    {
        string p = Path.Combine(dir, name);
        int n = (int)shape.Aggregate(1L, (a, d) => a * d);
        NpyFile.Write(p, TensorValue.FromFloats(shape, Enumerable.Range(0, n).Select(value).ToArray()));
        return p;
    }

    [Fact]
    public void Recalibrate_and_check_stats_refuse_empty_nan_inf_and_overflowing_data_naming_file_and_sample()
    {
        var w = new HostileFiles();
        int perSample = 3 * 32 * 32;
        var cases = new (string File, string Expected)[]
        {
            (Npy(w.Dir, "empty.npy", new long[] { 0, 3, 32, 32 }, _ => 0), "empty.npy: input 'input' holds no samples"),
            (Npy(w.Dir, "nan.npy", new long[] { 2, 3, 32, 32 }, i => i == perSample + 5 ? float.NaN : 0.5f), "nan.npy: input 'input' sample 1 (of 2) holds NaN"),
            (Npy(w.Dir, "inf.npy", new long[] { 2, 3, 32, 32 }, i => i == 7 ? float.PositiveInfinity : 0.5f), "inf.npy: input 'input' sample 0 (of 2) holds +Inf"),
            (Npy(w.Dir, "huge.npy", new long[] { 2, 3, 32, 32 }, i => i == perSample ? 3e38f : 0.5f), "huge.npy: input 'input' sample 1 (of 2) holds 3E+38, too large"),
        };
        foreach (var (file, expected) in cases)
        {
            var r = OnnxnormProcess.Run("recalibrate", w.Model, "--data", w.Data, "--data", file, "-o", w.PathOf("r.onnx"));
            CliAssert.BadInput(r, expected);
            Assert.False(File.Exists(w.PathOf("r.onnx")));
            var c = OnnxnormProcess.Run("check-stats", w.Model, "--data", file);
            CliAssert.BadInput(c, expected);
            Assert.DoesNotContain("Infinity", c.Stdout);
        }
    }

    [Fact]
    public void Recalibrate_never_writes_a_statistic_float32_cannot_hold()
    {
        // Finite data, but the BN input is the data times 1e30: its variance (~1e60) is past float32's range.
        string dir = TestData.NewTempDir();
        var b = new ModelBuilder(opset: 15);
        var x = b.Input("x", ElementType.Float, "n", 2, 4, 4);
        var k = b.Initializer("k", ElementType.Float, new long[] { 1 }, new[] { 1e30 });
        b.Node("Mul", new[] { x, k }, new[] { "big" }, "scale");
        var one = new[] { 1.0, 1.0 };
        b.Node("BatchNormalization", new[] { "big", b.Initializer("s", ElementType.Float, new long[] { 2 }, one), b.Initializer("b", ElementType.Float, new long[] { 2 }, new double[2]),
            b.Initializer("m", ElementType.Float, new long[] { 2 }, new double[2]), b.Initializer("v", ElementType.Float, new long[] { 2 }, one) }, new[] { "y" }, "bn");
        b.Output("y", ElementType.Float, "n", 2, 4, 4);
        string model = Path.Combine(dir, "overflow.onnx");
        b.Save(model);
        string data = Npy(dir, "d.npy", new long[] { 4, 2, 4, 4 }, i => (i % 7) - 3);
        var r = OnnxnormProcess.Run("recalibrate", model, "--data", data, "-o", Path.Combine(dir, "r.onnx"));
        CliAssert.BadInput(r, "bn: channel 0");
        Assert.False(File.Exists(Path.Combine(dir, "r.onnx")));
    }

    [Fact]
    public void Two_model_local_functions_with_the_same_name_are_bad_input()
    {
        string dir = TestData.NewTempDir();
        var b = new ModelBuilder(opset: 17);
        b.Model.OpsetImport.Add(new OperatorSetIdProto { Domain = "local", Version = 1 });
        var x = b.Input("x", ElementType.Float, 2);
        var call = b.Node("F", new[] { x }, new[] { "y" }, "call");
        call.Domain = "local";
        b.Output("y", ElementType.Float, 2);
        for (int i = 0; i < 2; i++)
        {
            var f = new FunctionProto { Name = "F", Domain = "local" };
            f.Input.Add("a"); f.Output.Add("b");
            f.Node.Add(new NodeProto { OpType = "Identity", Input = { "a" }, Output = { "b" } });
            f.OpsetImport.Add(new OperatorSetIdProto { Version = 17 });
            b.Model.Functions.Add(f);
        }
        string model = Path.Combine(dir, "dup.onnx");
        b.Save(model);
        CliAssert.BadInput(OnnxnormProcess.Run("inspect", model), "function 'F' (domain 'local') is defined twice");
    }

    public static TheoryData<string, int> UnfeedableInputs => new()
    {
        { "complex64", (int)ElementType.Complex64 },
        { "float8e4m3fn", (int)ElementType.Float8E4M3FN },
        { "int4", (int)ElementType.Int4 },
        { "sequence", -1 },
        { "optional", -2 },
        { "untyped", -3 },
    };

    [Theory]
    [MemberData(nameof(UnfeedableInputs))]
    public void An_input_of_a_type_that_cannot_be_fed_is_bad_input_in_every_running_verb(string kind, int type)
    {
        string dir = TestData.NewTempDir();
        var tensor = ModelBuilder.TensorType(type > 0 ? (ElementType)type : ElementType.Float, 2);
        var t = type switch
        {
            -1 => new TypeProto { SequenceType = new TypeProto.Types.Sequence { ElemType = tensor } },
            -2 => new TypeProto { OptionalType = new TypeProto.Types.Optional { ElemType = tensor } },
            -3 => new TypeProto(),
            _ => tensor,
        };
        var b = new ModelBuilder(opset: 21, irVersion: 10);
        b.Graph.Input.Add(new ValueInfoProto { Name = "x", Type = t });
        b.Node("Identity", new[] { "x" }, new[] { "y" }, "id");
        b.Graph.Output.Add(new ValueInfoProto { Name = "y", Type = t });
        string model = Path.Combine(dir, kind + ".onnx");
        b.Save(model);
        foreach (var args in new[]
        {
            new[] { "run", model, "--engine", "ort" }, new[] { "run", model, "--engine", "native" },
            new[] { "compare", model, model }, new[] { "compare", model }, new[] { "bench", model, "--engine", "ort", "--repeat", "1", "--warmup", "0" },
        })
        {
            var r = OnnxnormProcess.Run(args);
            Assert.True(r.ExitCode == 2, $"{kind} {args[0]} {args[^1]}: exit {r.ExitCode}: {r.Stderr}");
            Assert.Single(r.StderrLines);
        }
    }

    [Fact]
    public void A_model_read_from_a_pipe_is_inspected()
    {
        var w = new HostileFiles();
        var r = OnnxnormProcess.RunUnder(new[] { "bash", "-c", "exec \"$@\" 3< <(cat \"$0\")", w.Model }, "inspect", "/dev/fd/3");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("ops", r.Stdout);
    }

    [Fact]
    public void A_fifo_with_no_writer_as_the_model_does_not_hang()
    {
        var w = new HostileFiles();
        string fifo = w.Fifo("m.fifo.onnx");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        CliAssert.BadInput(OnnxnormProcess.Run("inspect", fifo), "m.fifo.onnx");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60));
    }

    [Fact]
    public void A_character_device_as_the_model_or_the_data_is_refused()
    {
        CliAssert.BadInput(OnnxnormProcess.Run("inspect", "/dev/zero"), "character device");
        var w = new HostileFiles();
        File.CreateSymbolicLink(w.PathOf("zero.npy"), "/dev/zero");
        CliAssert.BadInput(OnnxnormProcess.Run("check-stats", w.Model, "--data", w.PathOf("zero.npy")), "character device");
    }

    private static string RawNpy(string dir, string name, string dict, byte[] body)
    {
        string header = dict + new string(' ', 63 - (10 + dict.Length) % 64) + "\n";
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange(Encoding.ASCII.GetBytes("NUMPY"));
        bytes.AddRange(new byte[] { 1, 0, (byte)header.Length, (byte)(header.Length >> 8) });
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        bytes.AddRange(body);
        string p = Path.Combine(dir, name);
        File.WriteAllBytes(p, bytes.ToArray());
        return p;
    }

    [Fact]
    public void A_npy_text_array_with_an_invalid_code_point_is_bad_input()
    {
        var w = new HostileFiles();
        var body = new byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(body, 'A');
        BinaryPrimitives.WriteInt32LittleEndian(body.AsSpan(4), 0x110000);
        string npy = RawNpy(w.Dir, "text.npy", "{'descr': '<U1', 'fortran_order': False, 'shape': (2,), }", body);
        CliAssert.BadInput(OnnxnormProcess.Run("run", w.Model, "--input", $"input={npy}"), "not a Unicode code point");
    }

    [Fact]
    public void A_npy_header_claiming_17_gb_is_refused_before_anything_is_allocated()
    {
        var w = new HostileFiles();
        string npy = RawNpy(w.Dir, "claims.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 4250000000), }", new byte[64]);
        CliAssert.BadInput(OnnxnormProcess.Run("run", w.Model, "--input", $"input={npy}"), "claims.npy");
        string under = RawNpy(w.Dir, "claims1g.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (262144, 3, 32, 32), }", new byte[64]);
        var r = OnnxnormProcess.Run("check-stats", w.Model, "--data", under);
        CliAssert.BadInput(r, "claims1g.npy: the data is shorter");
    }

    // Large files and many CLI processes: 15-20 s under load, so the fast loop (./test.sh --fast) leaves it to the full suite.
    [Trait("Category", "Slow")]
    [Fact]
    public void An_ort_output_over_2_gib_is_bad_input()
    {
        string dir = TestData.NewTempDir();
        var b = new ModelBuilder(opset: 17);
        var x = b.Input("x", ElementType.Float, 1);
        var shape = b.Int64Initializer("shape", new long[] { 600_000_000 }, 1);
        b.Node("Expand", new[] { x, shape }, new[] { "y" }, "blow_up");
        b.OutputUnknownShape("y", ElementType.Float);
        string model = Path.Combine(dir, "big-output.onnx");
        b.Save(model);
        CliAssert.BadInput(OnnxnormProcess.Run("run", model, "--engine", "ort"), "output 'y'");
    }
}
