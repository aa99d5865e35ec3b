using OnnxNorm.Ir;
using OnnxNorm.Ir.Proto;

namespace OnnxNorm.TestModels;

/// <summary>
/// Small models, one per BN-folding rule, for the pass tests. Shapes are tiny so a naive reference
/// evaluator can run them; values are seeded so every run builds the same bytes.
/// </summary>
public static class FoldCases
{
    /// <summary>The BN parameters, explicit so tests can derive expected values by hand.</summary>
    public sealed record BnParams(double[] Gamma, double[] Beta, double[] Mean, double[] Var, float Epsilon = 1e-5f)
    {
        public static BnParams Random(DeterministicRandom rng, int c) =>
            new(rng.Uniforms(c, 0.5, 1.5), rng.Normals(c, 0.3), rng.Normals(c, 0.3), rng.Uniforms(c, 0.5, 1.5));
    }

    /// <summary>Adds a BatchNormalization (params as initializers or Constant nodes) and returns its output name.</summary>
    public static string BatchNorm(ModelBuilder b, string x, string name, BnParams p, ElementType type = ElementType.Float,
        bool constantNodes = false, long[]? paramDims = null, params (string, object)[] attributes)
    {
        var dims = paramDims ?? new long[] { p.Gamma.Length };
        string Param(string suffix, double[] v) => constantNodes
            ? b.ConstantNode($"{name}.{suffix}", type, dims, v)
            : b.Initializer($"{name}.{suffix}", type, dims, v);
        var inputs = new[] { x, Param("scale", p.Gamma), Param("bias", p.Beta), Param("mean", p.Mean), Param("var", p.Var) };
        var attrs = new List<(string, object)> { ("epsilon", p.Epsilon) };
        attrs.AddRange(attributes);
        string y = $"{name}.out";
        b.Node("BatchNormalization", inputs, new[] { y }, name, attrs.ToArray());
        return y;
    }

    private static string Weight(ModelBuilder b, string name, ElementType type, long[] dims, double[] values, bool constantNode) =>
        constantNode ? b.ConstantNode(name, type, dims, values) : b.Initializer(name, type, dims, values);

    /// <summary>
    /// x → Conv → BN → y. <paramref name="spatial"/> is 1, 2 or 3; the input is [1, cin, 5, ...].
    /// </summary>
    public static ModelBuilder ConvBn(int spatial = 2, int cin = 4, int cout = 6, int group = 1, int kernel = 3, bool bias = false,
        long[]? pads = null, string? autoPad = null, int dilation = 1, int stride = 1, bool constantNodes = false,
        ElementType type = ElementType.Float, long opset = 17, ulong seed = 1)
    {
        var rng = new DeterministicRandom(seed);
        var b = new ModelBuilder(opset: opset, irVersion: 8, graphName: "conv_bn");
        var inDims = new object[] { 1, cin }.Concat(Enumerable.Repeat<object>(5, spatial)).ToArray();
        b.Input("x", type, inDims);
        var wDims = new long[] { cout, cin / group }.Concat(Enumerable.Repeat((long)kernel, spatial)).ToArray();
        long wCount = wDims.Aggregate(1L, (a, d) => a * d);
        var inputs = new List<string> { "x", Weight(b, "conv.weight", type, wDims, rng.Normals(wCount, 0.5), constantNodes) };
        if (bias) inputs.Add(Weight(b, "conv.bias", type, new long[] { cout }, rng.Normals(cout, 0.2), constantNodes));
        var attrs = new List<(string, object)>
        {
            ("kernel_shape", Enumerable.Repeat((long)kernel, spatial).ToArray()),
            ("strides", Enumerable.Repeat((long)stride, spatial).ToArray()),
            ("dilations", Enumerable.Repeat((long)dilation, spatial).ToArray()),
            ("group", group),
        };
        if (autoPad is not null) attrs.Add(("auto_pad", autoPad));
        else attrs.Add(("pads", pads ?? Enumerable.Repeat(1L, 2 * spatial).ToArray()));
        b.Node("Conv", inputs.ToArray(), new[] { "conv.out" }, "conv", attrs.ToArray());
        var y = BatchNorm(b, "conv.out", "bn", BnParams.Random(rng, cout), type, constantNodes);
        b.Node("Identity", new[] { y }, new[] { "y" }, "out");
        b.OutputUnknownShape("y", type);
        return b;
    }

    /// <summary>x [1, cin, 4, 4] → ConvTranspose (W [cin, cout/group, k, k]) → BN → y.</summary>
    public static ModelBuilder ConvTransposeBn(int cin = 4, int cout = 6, int group = 2, int kernel = 3, int stride = 2, bool bias = true, ulong seed = 2)
    {
        var rng = new DeterministicRandom(seed);
        var b = new ModelBuilder(opset: 17, irVersion: 8, graphName: "convtranspose_bn");
        b.Input("x", ElementType.Float, 1, cin, 4, 4);
        var wDims = new long[] { cin, cout / group, kernel, kernel };
        var inputs = new List<string> { "x", b.Initializer("deconv.weight", ElementType.Float, wDims, rng.Normals(wDims.Aggregate(1L, (a, d) => a * d), 0.5)) };
        if (bias) inputs.Add(b.Initializer("deconv.bias", ElementType.Float, new long[] { cout }, rng.Normals(cout, 0.2)));
        b.Node("ConvTranspose", inputs.ToArray(), new[] { "deconv.out" }, "deconv",
            ("kernel_shape", new long[] { kernel, kernel }), ("strides", new long[] { stride, stride }),
            ("pads", new long[] { 1, 1, 1, 1 }), ("group", group));
        BatchNormAsOutput(b, "deconv.out", BnParams.Random(rng, cout));
        return b;
    }

    /// <summary>a [3, 4] → Gemm (B [4, 5] or [5, 4]; C of the given shape, or none) → BN → y [3, 5].</summary>
    public static ModelBuilder GemmBn(bool transA = false, bool transB = false, float alpha = 1f, float beta = 1f, long[]? cDims = null, bool withC = true, ulong seed = 3)
    {
        const int M = 3, K = 4, N = 5;
        var rng = new DeterministicRandom(seed);
        var b = new ModelBuilder(opset: 17, irVersion: 8, graphName: "gemm_bn");
        b.Input("a", ElementType.Float, transA ? new object[] { K, M } : new object[] { M, K });
        var inputs = new List<string> { "a", b.Initializer("fc.weight", ElementType.Float, transB ? new long[] { N, K } : new long[] { K, N }, rng.Normals(K * N, 0.5)) };
        if (withC)
        {
            var dims = cDims ?? new long[] { N };
            inputs.Add(b.Initializer("fc.bias", ElementType.Float, dims, rng.Normals(dims.Aggregate(1L, (x, d) => x * d), 0.5)));
        }
        b.Node("Gemm", inputs.ToArray(), new[] { "fc.out" }, "fc", ("transA", transA ? 1 : 0), ("transB", transB ? 1 : 0), ("alpha", alpha), ("beta", beta));
        BatchNormAsOutput(b, "fc.out", BnParams.Random(rng, N));
        return b;
    }

    /// <summary>a → MatMul (constant W [4, 5]) → BN → y. The input is declared [3, 4] or, with <paramref name="batched"/>, [2, 3, 4] (then BN's channel axis is not the MatMul's).</summary>
    public static ModelBuilder MatMulBn(bool batched = false, ulong seed = 4)
    {
        var rng = new DeterministicRandom(seed);
        var b = new ModelBuilder(opset: 17, irVersion: 8, graphName: "matmul_bn");
        if (batched) b.Input("a", ElementType.Float, 2, 5, 4); else b.Input("a", ElementType.Float, 3, 4);
        var w = b.Initializer("proj.weight", ElementType.Float, new long[] { 4, 5 }, rng.Normals(20, 0.5));
        b.Node("MatMul", new[] { "a", w }, new[] { "proj.out" }, "proj");
        BatchNormAsOutput(b, "proj.out", BnParams.Random(rng, 5));
        return b;
    }

    /// <summary>x → Conv(pad 1) → Relu → BN → Conv(pads, group) → y: the forward-fold case.</summary>
    public static ModelBuilder ReluBnConv(long[]? pads = null, string? autoPad = null, int kernel = 1, int group = 1, bool bias = true, ulong seed = 5)
    {
        const int C = 4, Cout = 6;
        var rng = new DeterministicRandom(seed);
        var b = new ModelBuilder(opset: 17, irVersion: 8, graphName: "relu_bn_conv");
        b.Input("x", ElementType.Float, 1, 3, 5, 5);
        var w1 = b.Initializer("conv1.weight", ElementType.Float, new long[] { C, 3, 3, 3 }, rng.Normals(C * 27, 0.4));
        b.Node("Conv", new[] { "x", w1 }, new[] { "conv1.out" }, "conv1", ("kernel_shape", new long[] { 3, 3 }), ("pads", new long[] { 1, 1, 1, 1 }));
        b.Node("Relu", new[] { "conv1.out" }, new[] { "relu.out" }, "relu");
        var y = BatchNorm(b, "relu.out", "bn", BnParams.Random(rng, C));
        var w2Dims = new long[] { Cout, C / group, kernel, kernel };
        var inputs = new List<string> { y, b.Initializer("conv2.weight", ElementType.Float, w2Dims, rng.Normals(w2Dims.Aggregate(1L, (a, d) => a * d), 0.4)) };
        if (bias) inputs.Add(b.Initializer("conv2.bias", ElementType.Float, new long[] { Cout }, rng.Normals(Cout, 0.2)));
        var attrs = new List<(string, object)> { ("kernel_shape", new long[] { kernel, kernel }), ("group", group) };
        if (autoPad is not null) attrs.Add(("auto_pad", autoPad)); else attrs.Add(("pads", pads ?? new long[] { 0, 0, 0, 0 }));
        b.Node("Conv", inputs.ToArray(), new[] { "y" }, "conv2", attrs.ToArray());
        b.OutputUnknownShape("y", ElementType.Float);
        return b;
    }

    /// <summary>If(cond) with a Conv+BN in each branch, both reading the outer x.</summary>
    public static ModelBuilder ConvBnInIfBranches(ulong seed = 6)
    {
        var rng = new DeterministicRandom(seed);
        var b = new ModelBuilder(opset: 17, irVersion: 8, graphName: "if_conv_bn");
        b.Input("cond", ElementType.Bool);
        b.Input("x", ElementType.Float, 1, 2, 4, 4);
        GraphProto Branch(string p)
        {
            var sb = new ModelBuilder(opset: 17, graphName: p);
            var w = sb.Initializer($"{p}.weight", ElementType.Float, new long[] { 3, 2, 3, 3 }, rng.Normals(54, 0.5));
            sb.Node("Conv", new[] { "x", w }, new[] { $"{p}.conv.out" }, $"{p}.conv", ("kernel_shape", new long[] { 3, 3 }), ("pads", new long[] { 1, 1, 1, 1 }));
            var y = BatchNorm(sb, $"{p}.conv.out", $"{p}.bn", BnParams.Random(rng, 3));
            sb.OutputUnknownShape(y, ElementType.Float);
            return sb.Graph;
        }
        b.Node("If", new[] { "cond" }, new[] { "y" }, "branch", ("then_branch", (object)Branch("then")), ("else_branch", (object)Branch("else")));
        b.OutputUnknownShape("y", ElementType.Float);
        return b;
    }

    /// <summary>Loop (2 iterations) whose body runs Conv → BN on the loop-carried tensor.</summary>
    public static ModelBuilder ConvBnInLoopBody(ulong seed = 10)
    {
        var rng = new DeterministicRandom(seed);
        var b = new ModelBuilder(opset: 17, irVersion: 8, graphName: "loop_conv_bn");
        b.Input("x", ElementType.Float, 1, 2, 4, 4);
        b.Int64Initializer("trip_count", new long[] { 2 });
        var body = new ModelBuilder(opset: 17, graphName: "body");
        body.Input("i", ElementType.Int64);
        body.Input("cond_in", ElementType.Bool);
        body.Input("h", ElementType.Float, 1, 2, 4, 4);
        var w = body.Initializer("body.weight", ElementType.Float, new long[] { 2, 2, 3, 3 }, rng.Normals(36, 0.3));
        body.Node("Conv", new[] { "h", w }, new[] { "body.conv.out" }, "body.conv", ("kernel_shape", new long[] { 3, 3 }), ("pads", new long[] { 1, 1, 1, 1 }));
        var y = BatchNorm(body, "body.conv.out", "body.bn", BnParams.Random(rng, 2));
        body.Node("Identity", new[] { "cond_in" }, new[] { "cond_out" }, "body.cond");
        body.Node("Identity", new[] { y }, new[] { "h_out" }, "body.out");
        body.Output("cond_out", ElementType.Bool);
        body.Output("h_out", ElementType.Float, 1, 2, 4, 4);
        b.Node("Loop", new[] { "trip_count", "", "x" }, new[] { "y" }, "loop", ("body", (object)body.Graph));
        b.Output("y", ElementType.Float, 1, 2, 4, 4);
        return b;
    }

    /// <summary>Two Convs reading the same weight tensor, each followed by its own BN.</summary>
    public static ModelBuilder SharedWeightConvBn(ulong seed = 7)
    {
        var rng = new DeterministicRandom(seed);
        var b = new ModelBuilder(opset: 17, irVersion: 8, graphName: "shared_weight");
        b.Input("x", ElementType.Float, 1, 3, 5, 5);
        var w = b.Initializer("shared.weight", ElementType.Float, new long[] { 4, 3, 3, 3 }, rng.Normals(108, 0.5));
        foreach (var p in new[] { "a", "b" })
        {
            b.Node("Conv", new[] { "x", w }, new[] { $"{p}.conv.out" }, $"{p}.conv", ("kernel_shape", new long[] { 3, 3 }), ("pads", new long[] { 1, 1, 1, 1 }));
            var y = BatchNorm(b, $"{p}.conv.out", $"{p}.bn", BnParams.Random(rng, 4));
            b.Node("Identity", new[] { y }, new[] { $"y_{p}" }, $"{p}.out");
            b.OutputUnknownShape($"y_{p}", ElementType.Float);
        }
        return b;
    }

    /// <summary>Conv → BN, with the Conv output also read by a Relu that is a second graph output.</summary>
    public static ModelBuilder ConvWithSecondConsumer(ulong seed = 8)
    {
        var rng = new DeterministicRandom(seed);
        var b = new ModelBuilder(opset: 17, irVersion: 8, graphName: "second_consumer");
        b.Input("x", ElementType.Float, 1, 3, 5, 5);
        var w = b.Initializer("conv.weight", ElementType.Float, new long[] { 4, 3, 3, 3 }, rng.Normals(108, 0.5));
        b.Node("Conv", new[] { "x", w }, new[] { "conv.out" }, "conv", ("kernel_shape", new long[] { 3, 3 }), ("pads", new long[] { 1, 1, 1, 1 }));
        BatchNormAsOutput(b, "conv.out", BnParams.Random(rng, 4));
        b.Node("Relu", new[] { "conv.out" }, new[] { "side" }, "side");
        b.OutputUnknownShape("side", ElementType.Float);
        return b;
    }

    /// <summary>
    /// Conv → BN at a given BN opset with extra attributes/outputs: for is_test (BN-6), spatial (BN-7) and
    /// training_mode (BN-14). <paramref name="bnOutputs"/> beyond the first are named and left unused.
    /// </summary>
    public static ModelBuilder ConvBnAtOpset(long opset, int bnOutputs = 1, long[]? paramDims = null, int spatialSize = 5,
        ulong seed = 9, params (string, object)[] bnAttributes)
    {
        var rng = new DeterministicRandom(seed);
        var b = new ModelBuilder(opset: opset, irVersion: opset < 7 ? 3 : 8, graphName: "conv_bn_opset");
        b.Input("x", ElementType.Float, 1, 3, spatialSize, spatialSize);
        var w = b.Initializer("conv.weight", ElementType.Float, new long[] { 4, 3, 1, 1 }, rng.Normals(12, 0.5));
        if (opset < 7) b.Graph.Input.Add(new ValueInfoProto { Name = w, Type = ModelBuilder.TensorType(ElementType.Float, 4, 3, 1, 1) });
        b.Node("Conv", new[] { "x", w }, new[] { "conv.out" }, "conv", ("kernel_shape", new long[] { 1, 1 }));
        var p = BnParams.Random(rng, 4);
        var dims = paramDims ?? new long[] { 4 };
        long count = dims.Aggregate(1L, (a, d) => a * d);
        double[] Expand(double[] v) => Enumerable.Range(0, (int)count).Select(i => v[i / (count / 4)]).ToArray();
        var names = new[] { "scale", "bias", "mean", "var" };
        var values = new[] { p.Gamma, p.Beta, p.Mean, p.Var };
        var inputs = new List<string> { "conv.out" };
        for (int i = 0; i < 4; i++)
        {
            var n = b.Initializer($"bn.{names[i]}", ElementType.Float, dims, Expand(values[i]));
            if (opset < 7) b.Graph.Input.Add(new ValueInfoProto { Name = n, Type = ModelBuilder.TensorType(ElementType.Float, dims.Cast<object>().ToArray()) });
            inputs.Add(n);
        }
        var outputs = new List<string> { "y" };
        for (int i = 1; i < bnOutputs; i++) outputs.Add($"bn.extra{i}");
        var attrs = new List<(string, object)> { ("epsilon", 1e-5f) };
        attrs.AddRange(bnAttributes);
        b.Node("BatchNormalization", inputs.ToArray(), outputs.ToArray(), "bn", attrs.ToArray());
        b.OutputUnknownShape("y", ElementType.Float);
        return b;
    }

    /// <summary>Adds BN on <paramref name="x"/> whose output is the graph output "y".</summary>
    private static void BatchNormAsOutput(ModelBuilder b, string x, BnParams p)
    {
        var y = BatchNorm(b, x, "bn", p);
        b.Node("Identity", new[] { y }, new[] { "y" }, "out");
        b.OutputUnknownShape("y", ElementType.Float);
    }
}
