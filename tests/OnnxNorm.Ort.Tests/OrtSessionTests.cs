using OnnxNorm.Ir;
using OnnxNorm.Runtime;
using OnnxNorm.Ort;
using OnnxNorm.TestModels;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Ort.Tests;

public class OrtSessionTests
{
    private static readonly OrtSessionOptions OneThread = new() { IntraOpThreads = 1, InterOpThreads = 1 };

    /// <summary>y = x * w + b with hand-chosen numbers: the expected output is worked out by hand.</summary>
    private static byte[] MulAddModel()
    {
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, "n", 3);
        b.Initializer("w", new[] { 2f, -1f, 0.5f }, 3);
        b.Initializer("b", new[] { 1f, 1f, 1f }, 3);
        b.Op("Add", "y", b.Op("Mul", "xw", "x", "w"), "b");
        b.Output("y", ElementType.Float, "n", 3);
        return b.ToBytes();
    }

    [Fact]
    public void Runs_a_float_model_from_bytes()
    {
        using var s = OrtSession.FromBytes(MulAddModel(), OneThread, "muladd");
        var x = TensorValue.FromFloats(new long[] { 2, 3 }, new[] { 1f, 2f, 3f, -1f, 0f, 4f });
        var y = s.Run(new Dictionary<string, TensorValue> { ["x"] = x })["y"];
        Assert.Equal(new long[] { 2, 3 }, y.Shape);
        // 1*2+1, 2*-1+1, 3*0.5+1 ; -1*2+1, 0*-1+1, 4*0.5+1
        Assert.Equal(new[] { 3f, -1f, 2.5f, -1f, 1f, 3f }, y.AsSpan<float>().ToArray());
    }

    [Fact]
    public void Outputs_are_copied_into_reused_arrays_of_the_same_shape_only()
    {
        using var s = OrtSession.FromBytes(MulAddModel(), OneThread, "muladd");
        var first = s.Run(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromFloats(new long[] { 1, 3 }, new[] { 1f, 2f, 3f }) });
        var again = s.Run(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromFloats(new long[] { 1, 3 }, new[] { 0f, 0f, 0f }) }, reuse: first);
        Assert.Same(first["y"].Buffer, again["y"].Buffer);
        Assert.Equal(new[] { 1f, 1f, 1f }, again["y"].AsSpan<float>().ToArray());
        var bigger = s.Run(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromFloats(new long[] { 2, 3 }, new[] { 1f, 2f, 3f, -1f, 0f, 4f }) }, reuse: again);
        Assert.NotSame(again["y"].Buffer, bigger["y"].Buffer);
        Assert.Equal(new[] { 3f, -1f, 2.5f, -1f, 1f, 3f }, bigger["y"].AsSpan<float>().ToArray());
    }

    [Fact]
    public void Reports_inputs_and_outputs_with_symbolic_dims()
    {
        using var s = OrtSession.FromFile(TestData.TestModel("convbn_small.onnx"), OneThread);
        var input = Assert.Single(s.Inputs);
        Assert.Equal("input", input.Name);
        Assert.Equal(ElementType.Float, input.ElementType);
        Assert.Equal(new long[] { -1, 3, 32, 32 }, input.Dims);
        Assert.Equal("batch", input.DimNames[0]);
        var output = Assert.Single(s.Outputs);
        Assert.Equal("logits", output.Name);
        Assert.Equal(new long[] { -1, 10 }, output.Dims);
    }

    [Fact]
    public void File_and_bytes_sessions_agree_on_a_cnn()
    {
        string path = TestData.TestModel("convbn_small.onnx");
        using var fromFile = OrtSession.FromFile(path, OneThread);
        using var fromBytes = OrtSession.FromBytes(File.ReadAllBytes(path), OneThread);
        var rng = new DeterministicRandom(3);
        var x = TensorValue.FromFloats(new long[] { 2, 3, 32, 32 }, rng.Normals(2 * 3 * 32 * 32).Select(v => (float)v).ToArray());
        var a = fromFile.Run(new Dictionary<string, TensorValue> { ["input"] = x })["logits"];
        var b = fromBytes.Run(new Dictionary<string, TensorValue> { ["input"] = x })["logits"];
        Assert.Equal(new long[] { 2, 10 }, a.Shape);
        Assert.Equal(a.AsSpan<float>().ToArray(), b.AsSpan<float>().ToArray());
        Assert.Contains(a.AsSpan<float>().ToArray(), v => v != 0f);
    }

    public static IEnumerable<object[]> AllTypes() => new[]
    {
        ElementType.Float, ElementType.Double, ElementType.Float16, ElementType.BFloat16, ElementType.Int64,
        ElementType.Int32, ElementType.Int16, ElementType.Int8, ElementType.UInt8, ElementType.UInt16,
        ElementType.UInt32, ElementType.UInt64, ElementType.Bool, ElementType.String,
    }.Select(t => new object[] { t });

    [Theory]
    [MemberData(nameof(AllTypes))]
    public void Every_element_type_goes_in_and_comes_back_unchanged(ElementType type)
    {
        var b = new ModelBuilder(opset: 17);
        b.Input("x", type, 2, 3);
        b.Op("Identity", "y", "x");
        b.Output("y", type, 2, 3);
        using var s = OrtSession.FromBytes(b.ToBytes(), OneThread);
        var x = SampleTensor(type, new long[] { 2, 3 });
        var y = s.Run(new Dictionary<string, TensorValue> { ["x"] = x })["y"];
        Assert.Equal(type, y.ElementType);
        Assert.Equal(x.Shape, y.Shape);
        if (type == ElementType.String) Assert.Equal((string[])x.Buffer, (string[])y.Buffer);
        else Assert.Equal(x.AsBytes().ToArray(), y.AsBytes().ToArray());
    }

    private static TensorValue SampleTensor(ElementType type, long[] shape)
    {
        if (type == ElementType.String)
            return TensorValue.Wrap(type, shape, new[] { "a", "", "bc", "héllo", "x y", "z" });
        var t = TensorValue.Allocate(type, shape);
        var bytes = t.AsBytes();
        for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)(i * 37 + 11);
        if (type == ElementType.Bool) for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)(i % 2);
        return t;
    }

    [Fact]
    public void Wrong_input_name_type_and_shape_are_bad_input()
    {
        using var s = OrtSession.FromBytes(MulAddModel(), OneThread, "muladd");
        var good = TensorValue.FromFloats(new long[] { 1, 3 }, new float[3]);
        var e1 = Assert.Throws<BadInputException>(() => s.Run(new Dictionary<string, TensorValue> { ["nope"] = good }));
        Assert.Contains("'nope' is not an input", e1.Message);
        var e2 = Assert.Throws<BadInputException>(() => s.Run(new Dictionary<string, TensorValue> { ["x"] = TensorValue.Allocate(ElementType.Double, new long[] { 1, 3 }) }));
        Assert.Contains("must be float32", e2.Message);
        var e3 = Assert.Throws<BadInputException>(() => s.Run(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromFloats(new long[] { 1, 4 }, new float[4]) }));
        Assert.Contains("shape", e3.Message);
        Assert.Throws<BadInputException>(() => s.Run(new Dictionary<string, TensorValue>()));
    }

    [Fact]
    public void Ort_errors_carry_orts_message()
    {
        // A model our loader accepts but ORT cannot run: an op that does not exist in the default domain.
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 1);
        b.Op("NoSuchOperator", "y", "x");
        b.Output("y", ElementType.Float, 1);
        var e = Assert.Throws<OrtException>(() => OrtSession.FromBytes(b.ToBytes(), OneThread, "bogus.onnx"));
        Assert.StartsWith("bogus.onnx: ONNX Runtime:", e.Message);
        Assert.Contains("NoSuchOperator", e.Message);
        // The managed package's "[ErrorCode:...]" prefix becomes the code; the message stays one line.
        Assert.Equal(OrtErrorCode.InvalidGraph, e.Code);
        Assert.DoesNotContain("[ErrorCode:", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Invalid_model_bytes_are_rejected_before_ort_sees_them()
    {
        var e = Assert.Throws<BadInputException>(() => OrtSession.FromBytes(new byte[] { 1, 2, 3, 4, 5 }, OneThread, "junk.onnx"));
        Assert.IsNotType<OrtException>(e);
        Assert.StartsWith("junk.onnx:", e.Message);
    }

    [Fact]
    public void Optimisation_levels_and_offline_optimised_model_file()
    {
        string dir = TestData.NewTempDir();
        string optimized = Path.Combine(dir, "opt.onnx");
        using (var s = OrtSession.FromFile(TestData.TestModel("convbn_small.onnx"), OneThread with { OptimizationLevel = GraphOptimizationLevel.Basic, OptimizedModelPath = optimized }))
            Assert.Single(s.Outputs);
        Assert.True(new FileInfo(optimized).Length > 0);
        using var reloaded = ModelLoader.Load(optimized);
        // ORT's basic level folds each BatchNormalization into its Conv.
        Assert.DoesNotContain(reloaded.Graph.Nodes, n => n.OpType == "BatchNormalization");
    }
}
