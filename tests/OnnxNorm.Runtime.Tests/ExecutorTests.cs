using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestModels;

namespace OnnxNorm.Runtime.Tests;

/// <summary>The engine: errors, NaN, buffer reuse across runs, observer, fusion, memory caps. Expected values are written by hand.</summary>
public class ExecutorTests
{
    private static Model Load(ModelBuilder b) => ModelLoader.Load(b.ToBytes());

    private static Dictionary<string, TensorValue> Feed(string name, long[] shape, float[] data) => new() { [name] = TensorValue.FromFloats(shape, data) };

    /// <summary>x[1,1,3,3] -> Conv(w: 1x1x2x2 of ones, bias 0.5) -> Relu -> y.</summary>
    private static ModelBuilder ConvRelu(params (string, object)[] convAttributes)
    {
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 1, 1, 3, 3);
        b.Initializer("w", new float[] { 1, 1, 1, 1 }, 1, 1, 2, 2);
        b.Initializer("b", new float[] { 0.5f }, 1);
        b.Node("Conv", new[] { "x", "w", "b" }, new[] { "c" }, "conv", convAttributes);
        b.Op("Relu", "y", "c");
        b.OutputUnknownShape("y", ElementType.Float);
        return b;
    }

    private static readonly float[] Nine = { 1, -2, 3, -4, 5, -6, 7, -8, 9 };

    [Fact]
    public void Conv_relu_computes_hand_checked_values()
    {
        var s = NativeSession.Create(Load(ConvRelu()));
        var y = s.Run(Feed("x", new long[] { 1, 1, 3, 3 }, Nine))["y"];
        Assert.Equal(new long[] { 1, 1, 2, 2 }, y.Shape);
        // windows: (1-2-4+5)+.5=0.5, (-2+3+5-6)+.5=0.5, (-4+5+7-8)+.5=0.5, (5-6-8+9)+.5=0.5
        Assert.Equal(new[] { 0.5f, 0.5f, 0.5f, 0.5f }, y.AsSpan<float>().ToArray());
        var neg = s.Run(Feed("x", new long[] { 1, 1, 3, 3 }, Nine.Select(v => -v - 1).ToArray()))["y"];
        // windows of -v-1 sum to -(0)-4 = -4, +0.5 -> -3.5 -> relu 0
        Assert.Equal(new[] { 0f, 0f, 0f, 0f }, neg.AsSpan<float>().ToArray());
    }

    [Fact]
    public void Fused_and_unfused_plans_agree_and_the_observer_sees_the_conv_output()
    {
        var model = Load(ConvRelu(("pads", new long[] { 1, 1, 1, 1 })));
        var feed = Feed("x", new long[] { 1, 1, 3, 3 }, Nine);
        var fused = NativeSession.Create(model).Run(feed)["y"].AsSpan<float>().ToArray();
        var obs = new Recorder();
        var unfused = NativeSession.Create(model, new SessionOptions { Observer = obs }).Run(feed)["y"].AsSpan<float>().ToArray();
        Assert.Equal(fused, unfused);
        Assert.Equal(new[] { "c", "y" }, obs.Seen.Select(v => v.Name));
        // top-left corner of the padded conv: only x[0,0] = 1 is inside, + 0.5
        Assert.Equal(1.5f, obs.Seen[0].Value.AsSpan<float>()[0]);
        Assert.Equal(16, obs.Seen[0].Value.Length);
        Assert.Equal(unfused, obs.Seen[1].Value.AsSpan<float>().ToArray());
    }

    [Theory]
    [InlineData("Clip")]
    [InlineData("LeakyRelu")]
    public void Conv_fuses_clip_and_leaky_relu_with_their_parameters(string act)
    {
        // x[1,1,1,4] = [-3, -1, 1, 3]; 1x1 conv with weight 2: [-6, -2, 2, 6].
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 1, 1, 1, 4);
        b.Initializer("w", new float[] { 2 }, 1, 1, 1, 1);
        b.Op("Conv", "c", "x", "w");
        if (act == "Clip")
        {
            b.Initializer("lo", new float[] { -1 }, Array.Empty<long>());
            b.Initializer("hi", new float[] { 4 }, Array.Empty<long>());
            b.Op("Clip", "y", "c", "lo", "hi");
        }
        else b.Node("LeakyRelu", new[] { "c" }, new[] { "y" }, "lrelu", ("alpha", 0.25f));
        b.Output("y", ElementType.Float, 1, 1, 1, 4);
        var y = NativeSession.Create(Load(b)).Run(Feed("x", new long[] { 1, 1, 1, 4 }, new float[] { -3, -1, 1, 3 }))["y"].AsSpan<float>().ToArray();
        var expected = act == "Clip" ? new[] { -1f, -1, 2, 4 } : new[] { -1.5f, -0.5f, 2, 6 };
        Assert.Equal(expected, y);
    }

    private sealed class Recorder : IExecutionObserver
    {
        public List<(string Name, TensorValue Value)> Seen { get; } = new();
        public bool Wants(Node producer, int outputIndex) => true;
        public void OnValue(Node producer, int outputIndex, TensorValue value) =>
            Seen.Add((producer.Outputs[outputIndex]!.Name, NativeSession.Copy(value)));
    }

    [Fact]
    public void Nan_inputs_propagate_without_crashing()
    {
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 1, 1, 2, 2);
        b.Initializer("w", new float[] { 1 }, 1, 1, 1, 1);
        var c = b.Op("Conv", "c", "x", "w");
        var p = b.Op("MaxPool", "p", c);
        b.Graph.Node[^1].Attribute.Add(ModelBuilder.Attribute("kernel_shape", new long[] { 2, 2 }));
        b.Op("Softmax", "y", b.Op("Flatten", "f", p));
        b.OutputUnknownShape("y", ElementType.Float);
        var y = NativeSession.Create(Load(b)).Run(Feed("x", new long[] { 1, 1, 2, 2 }, new[] { 1f, float.NaN, 3, 4 }))["y"];
        Assert.True(float.IsNaN(y.AsSpan<float>()[0]));
    }

    [Fact]
    public void Pooled_buffers_do_not_leak_between_runs_and_outputs_stay_the_callers()
    {
        // A chain long enough that intermediate buffers are recycled: y = ((x + 1) * 2 - 3) / 4, twice over.
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 4);
        b.Initializer("one", new float[] { 1 }, 1);
        b.Initializer("two", new float[] { 2 }, 1);
        b.Initializer("three", new float[] { 3 }, 1);
        b.Initializer("four", new float[] { 4 }, 1);
        string h = "x";
        for (int i = 0; i < 2; i++)
        {
            h = b.Op("Add", $"a{i}", h, "one");
            h = b.Op("Mul", $"m{i}", h, "two");
            h = b.Op("Sub", $"s{i}", h, "three");
            h = b.Op("Div", $"d{i}", h, "four");
        }
        b.Op("Identity", "y", h);
        b.Output("y", ElementType.Float, 4);
        var s = NativeSession.Create(Load(b));
        var first = s.Run(Feed("x", new long[] { 4 }, new float[] { 1, 2, 3, 4 }))["y"];
        // f(x) = ((x+1)*2-3)/4 = (2x-1)/4; f(f(x)) = (2·(2x-1)/4 - 1)/4 = (x - 1.5)/4
        Assert.Equal(new[] { -0.125f, 0.125f, 0.375f, 0.625f }, first.AsSpan<float>().ToArray());
        var second = s.Run(Feed("x", new long[] { 4 }, new float[] { 5, 9, 13, 17 }))["y"];
        Assert.Equal(new[] { 0.875f, 1.875f, 2.875f, 3.875f }, second.AsSpan<float>().ToArray());
        Assert.Equal(new[] { -0.125f, 0.125f, 0.375f, 0.625f }, first.AsSpan<float>().ToArray());
    }

    [Fact]
    public void Recycled_buffers_give_the_same_answer_on_a_cnn()
    {
        // Pooled buffers are not cleared: every operator must write all of its output. A second run on
        // recycled (dirty) buffers must reproduce the first bit for bit.
        using var model = ModelLoader.Load(TestSupport.TestData.TestModel("convbn_small.onnx"));
        var s = NativeSession.Create(model);
        var rng = new DeterministicRandom(5);
        var x = rng.Uniforms(2 * 3 * 32 * 32, -1, 1).Select(v => (float)v).ToArray();
        var first = s.Run(Feed("input", new long[] { 2, 3, 32, 32 }, x))["logits"].AsSpan<float>().ToArray();
        s.Run(Feed("input", new long[] { 2, 3, 32, 32 }, x.Select(v => v * 3 + 1).ToArray()));
        var again = s.Run(Feed("input", new long[] { 2, 3, 32, 32 }, x))["logits"].AsSpan<float>().ToArray();
        Assert.Equal(first, again);
    }

    [Fact]
    public void Per_channel_broadcast_rows_are_exact()
    {
        // [2,3,1,5] * [1,3,1,1] + [5]: the vector path folds dims into rows; 5 and 15 are not multiples of the SIMD width.
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 2, 3, 1, 5);
        b.Initializer("s", new float[] { 1, 10, 100 }, 1, 3, 1, 1);
        b.Initializer("t", new float[] { 0, 1, 2, 3, 4 }, 5);
        b.Op("Add", "y", b.Op("Mul", "m", "x", "s"), "t");
        b.OutputUnknownShape("y", ElementType.Float);
        var x = Enumerable.Range(0, 30).Select(i => (float)i).ToArray();
        var y = NativeSession.Create(Load(b)).Run(Feed("x", new long[] { 2, 3, 1, 5 }, x))["y"].AsSpan<float>().ToArray();
        for (int i = 0; i < 30; i++)
        {
            int c = i / 5 % 3, w = i % 5;
            Assert.Equal(i * new[] { 1f, 10, 100 }[c] + w, y[i]);
        }
    }

    [Fact]
    public void Unsupported_op_is_named_with_its_node()
    {
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 2);
        b.Node("Det", new[] { "x" }, new[] { "y" }, "the_det");
        b.Output("y", ElementType.Float);
        var e = Assert.Throws<BadInputException>(() => NativeSession.Create(Load(b)));
        Assert.Contains("Det", e.Message);
        Assert.Contains("the_det", e.Message);
    }

    [Fact]
    public void Unknown_attribute_is_rejected_not_ignored()
    {
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 2);
        b.Node("Relu", new[] { "x" }, new[] { "y" }, "r", ("bogus", 1L));
        b.Output("y", ElementType.Float, 2);
        var e = Assert.Throws<BadInputException>(() => NativeSession.Create(Load(b)));
        Assert.Contains("bogus", e.Message);
    }

    [Theory]
    [InlineData("strides", new long[] { 0, 1 }, "strides")]
    [InlineData("pads", new long[] { -1, 0, 0, 0 }, "pads")]
    [InlineData("dilations", new long[] { 1, -2 }, "dilations")]
    public void Bad_conv_attributes_are_clear_errors(string name, long[] value, string expected)
    {
        var e = Assert.Throws<BadInputException>(() => NativeSession.Create(Load(ConvRelu((name, value)))));
        Assert.Contains(expected, e.Message);
        Assert.Contains("conv", e.Message);
    }

    [Fact]
    public void Conv_group_errors_are_clear()
    {
        var e = Assert.Throws<BadInputException>(() => NativeSession.Create(Load(ConvRelu(("group", 0L)))));
        Assert.Contains("group must be positive", e.Message);

        // C = 3 with group 2: not divisible.
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 1, 3, 4, 4);
        b.Initializer("w", new float[2 * 1 * 1 * 1], 2, 1, 1, 1);
        b.Node("Conv", new[] { "x", "w" }, new[] { "y" }, "gconv", ("group", 2L));
        b.Output("y", ElementType.Float);
        var s = NativeSession.Create(Load(b));
        var e2 = Assert.Throws<BadInputException>(() => s.Run(Feed("x", new long[] { 1, 3, 4, 4 }, new float[48])));
        Assert.Contains("not divisible by group 2", e2.Message);
    }

    [Fact]
    public void Weight_rank_must_match_input_rank()
    {
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 1, 1, 4);
        b.Initializer("w", new float[4], 1, 1, 2, 2);
        b.Node("Conv", new[] { "x", "w" }, new[] { "y" }, "rconv");
        b.Output("y", ElementType.Float);
        var s = NativeSession.Create(Load(b));
        var e = Assert.Throws<BadInputException>(() => s.Run(Feed("x", new long[] { 1, 1, 4 }, new float[4])));
        Assert.Contains("rank", e.Message);
    }

    [Fact]
    public void Feeds_are_checked()
    {
        var s = NativeSession.Create(Load(ConvRelu()));
        Assert.Contains("was not given", Assert.Throws<BadInputException>(() => s.Run(new Dictionary<string, TensorValue>())).Message);
        Assert.Contains("dim 2", Assert.Throws<BadInputException>(() => s.Run(Feed("x", new long[] { 1, 1, 4, 3 }, new float[12]))).Message);
        var ints = new Dictionary<string, TensorValue> { ["x"] = TensorValue.Wrap(ElementType.Int64, new long[] { 1, 1, 3, 3 }, new long[9]) };
        Assert.Contains("int64", Assert.Throws<BadInputException>(() => s.Run(ints)).Message);
        Assert.Contains("not an input", Assert.Throws<BadInputException>(() => s.Run(Feed("z", new long[] { 1 }, new float[1]))).Message);
    }

    [Fact]
    public void Tensor_size_cap_is_enforced()
    {
        // A constant over the cap fails when the plan is built; a produced tensor over it when it is allocated.
        Assert.Contains("cap", Assert.Throws<BadInputException>(() => NativeSession.Create(Load(ConvRelu()), new SessionOptions { MaxTensorBytes = 8 })).Message);
        var single = NativeSession.Create(Load(ConvRelu(("pads", new long[] { 50, 50, 50, 50 }))), new SessionOptions { MaxTensorBytes = 1000 });
        Assert.Contains("per tensor", Assert.Throws<BadInputException>(() => single.Run(Feed("x", new long[] { 1, 1, 3, 3 }, Nine))).Message);
        var total = NativeSession.Create(Load(ConvRelu(("pads", new long[] { 50, 50, 50, 50 }))), new SessionOptions { MaxTotalBytes = 1000 });
        Assert.Contains("cap", Assert.Throws<BadInputException>(() => total.Run(Feed("x", new long[] { 1, 1, 3, 3 }, Nine))).Message);
    }

    [Fact]
    public void If_branches_read_outer_values()
    {
        var then = new Ir.Proto.GraphProto { Name = "then" };
        then.Node.Add(new Ir.Proto.NodeProto { OpType = "Add", Input = { "x", "x" }, Output = { "t" } });
        then.Output.Add(new Ir.Proto.ValueInfoProto { Name = "t", Type = ModelBuilder.TensorType(ElementType.Float, 2) });
        var els = new Ir.Proto.GraphProto { Name = "else" };
        els.Node.Add(new Ir.Proto.NodeProto { OpType = "Neg", Input = { "x" }, Output = { "e" } });
        els.Output.Add(new Ir.Proto.ValueInfoProto { Name = "e", Type = ModelBuilder.TensorType(ElementType.Float, 2) });
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 2);
        b.Input("c", ElementType.Bool);
        b.Node("If", new[] { "c" }, new[] { "y" }, "if", ("then_branch", then), ("else_branch", els));
        b.Output("y", ElementType.Float, 2);
        var s = NativeSession.Create(Load(b));
        TensorValue Run(bool c) => s.Run(new Dictionary<string, TensorValue>
        {
            ["x"] = TensorValue.FromFloats(new long[] { 2 }, new[] { 1.5f, -2 }),
            ["c"] = TensorValue.Wrap(ElementType.Bool, Array.Empty<long>(), new[] { c }),
        })["y"];
        Assert.Equal(new[] { 3f, -4 }, Run(true).AsSpan<float>().ToArray());
        Assert.Equal(new[] { -1.5f, 2 }, Run(false).AsSpan<float>().ToArray());
    }

    [Fact]
    public void Registry_rejects_overlapping_ranges_and_future_opsets()
    {
        var r = new KernelRegistry();
        r.Add("Foo", 1, 10, _ => Operators.NoOp.Instance);
        Assert.Throws<InvalidOperationException>(() => r.Add("Foo", 10, 12, _ => Operators.NoOp.Instance));
        Assert.Null(KernelRegistry.Builtin.Find("", "Relu", Operators.BuiltinOperators.Latest + 1));
        Assert.NotNull(KernelRegistry.Builtin.Find("ai.onnx", "Relu", 14));
    }
}
