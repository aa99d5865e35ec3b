using OnnxNorm.Ir;

namespace OnnxNorm.TestModels;

/// <summary>
/// Small models for the canonicalization stage and the per-channel affine engine, with values simple enough
/// that tests write the expected folded constants by hand. The shared BN has γ = [1, 2], β = [0.1, 0.2],
/// μ = [0, 1], σ² = [3, 0], ε = 1: s = γ/√(σ²+ε) = [0.5, 2] and t = β − μ·s = [0.1, −1.8].
/// </summary>
public static class AffineCases
{
    public static readonly FoldCases.BnParams SimpleBn = new(new[] { 1.0, 2.0 }, new[] { 0.1, 0.2 }, new[] { 0.0, 1.0 }, new[] { 3.0, 0.0 }, 1f);

    /// <summary>x[1,1,3,3] → ConvTranspose (W = [2, 3], 1×1, stride 2, no bias) → Add(c = [0.5, −1] as [1,2,1,1]) → BN: PP-OCRv4 det's head.</summary>
    public static ModelBuilder ConvTransposeBiasAddBn()
    {
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 1, 1, 3, 3);
        b.Initializer("w", new float[] { 2, 3 }, 1, 2, 1, 1);
        b.Node("ConvTranspose", new[] { "x", "w" }, new[] { "ct" }, "convT", ("kernel_shape", new long[] { 1, 1 }), ("strides", new long[] { 2, 2 }));
        b.Initializer("c", new float[] { 0.5f, -1f }, 1, 2, 1, 1);
        b.Node("Add", new[] { "ct", "c" }, new[] { "biased" }, "bias_add");
        var y = FoldCases.BatchNorm(b, "biased", "bn", SimpleBn);
        b.Node("Identity", new[] { y }, new[] { "y" }, "out");
        b.Output("y", ElementType.Float, 1, 2, 5, 5);
        return b;
    }

    /// <summary>
    /// x[2,3] → MatMul(W = [[1,0],[0,1],[1,1]]) → Reshape [2,2,1,1] → BN (opset 15): ORT's MatMul → Reshape → BN.
    /// </summary>
    public static ModelBuilder MatMulReshapeBn(bool emptyOptionalOutputs = false)
    {
        var b = new ModelBuilder(opset: 15);
        b.Input("x", ElementType.Float, 2, 3);
        b.Initializer("w", new float[] { 1, 0, 0, 1, 1, 1 }, 3, 2);
        b.Op("MatMul", "mm", "x", "w");
        b.Int64Initializer("shape", new long[] { 2, 2, 1, 1 }, 4);
        b.Op("Reshape", "r", "mm", "shape");
        BnAtOpset15(b, "r", "y", emptyOptionalOutputs);
        b.Output("y", ElementType.Float, 2, 2, 1, 1);
        return b;
    }

    /// <summary>x[1,4,3] → MatMul(W as in <see cref="MatMulReshapeBn"/>) → Transpose [0,2,1] → BN: a batched MatMul, so the shift needs an Add.</summary>
    public static ModelBuilder MatMulTransposeBn(bool emptyOptionalOutputs = false)
    {
        var b = new ModelBuilder(opset: 15);
        b.Input("x", ElementType.Float, 1, 4, 3);
        b.Initializer("w", new float[] { 1, 0, 0, 1, 1, 1 }, 3, 2);
        b.Op("MatMul", "mm", "x", "w");
        b.Node("Transpose", new[] { "mm" }, new[] { "t" }, "transpose", ("perm", new long[] { 0, 2, 1 }));
        BnAtOpset15(b, "t", "y", emptyOptionalOutputs);
        b.Output("y", ElementType.Float, 1, 2, 4);
        return b;
    }

    /// <summary>x[4,3] → MatMul(W as in <see cref="MatMulReshapeBn"/>) → Reshape [1,4,2] → Transpose [0,2,1] → BN: ORT's path with both.</summary>
    public static ModelBuilder MatMulReshapeTransposeBn(bool emptyOptionalOutputs = false)
    {
        var b = new ModelBuilder(opset: 15);
        b.Input("x", ElementType.Float, 4, 3);
        b.Initializer("w", new float[] { 1, 0, 0, 1, 1, 1 }, 3, 2);
        b.Op("MatMul", "mm", "x", "w");
        b.Int64Initializer("shape", new long[] { 1, 4, 2 }, 3);
        b.Op("Reshape", "r", "mm", "shape");
        b.Node("Transpose", new[] { "r" }, new[] { "t" }, "transpose", ("perm", new long[] { 0, 2, 1 }));
        BnAtOpset15(b, "t", "y", emptyOptionalOutputs);
        b.Output("y", ElementType.Float, 1, 2, 4);
        return b;
    }

    /// <summary>BN-15 with <see cref="SimpleBn"/>; with <paramref name="emptyOptionalOutputs"/> it lists its running-statistics outputs as "" (as some exporters do).</summary>
    private static void BnAtOpset15(ModelBuilder b, string x, string y, bool emptyOptionalOutputs)
    {
        var p = SimpleBn;
        string[] inputs =
        {
            x, b.Initializer("bn.scale", ElementType.Float, new long[] { 2 }, p.Gamma), b.Initializer("bn.bias", ElementType.Float, new long[] { 2 }, p.Beta),
            b.Initializer("bn.mean", ElementType.Float, new long[] { 2 }, p.Mean), b.Initializer("bn.var", ElementType.Float, new long[] { 2 }, p.Var),
        };
        b.Node("BatchNormalization", inputs, emptyOptionalOutputs ? new[] { y, "", "" } : new[] { y }, "bn", ("epsilon", 1f));
    }

    /// <summary>
    /// x[1,1,3,3] → Conv(W = [2, 3] 1×1, bias <paramref name="bias"/>) then the listed per-channel ops, each with a
    /// [2,1,1] constant as PyTorch exports a parameter of shape (C,1,1): ("Mul", [0.5, 2]), ("Add", [1, −1]), ("BN", _)...
    /// </summary>
    public static ModelBuilder ConvThen(float[]? bias, params (string Op, float[] Values)[] ops)
    {
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 1, 1, 3, 3);
        b.Initializer("w", new float[] { 2, 3 }, 2, 1, 1, 1);
        var convInputs = new List<string> { "x", "w" };
        if (bias is not null) convInputs.Add(b.Initializer("b", bias, 2));
        b.Node("Conv", convInputs.ToArray(), new[] { "conv" }, "conv", ("kernel_shape", new long[] { 1, 1 }));
        string v = "conv";
        for (int i = 0; i < ops.Length; i++)
        {
            var (op, values) = ops[i];
            if (op == "BN") { v = FoldCases.BatchNorm(b, v, $"bn{i}", SimpleBn); continue; }
            b.Initializer($"k{i}", values, values.Length == 2 ? new long[] { 2, 1, 1 } : Enumerable.Repeat(1L, 0).ToArray());
            b.Node(op, new[] { v, $"k{i}" }, new[] { $"v{i}" }, $"{op.ToLowerInvariant()}{i}");
            v = $"v{i}";
        }
        b.Node("Identity", new[] { v }, new[] { "y" }, "out");
        b.Output("y", ElementType.Float, 1, 2, 3, 3);
        return b;
    }

    /// <summary>x[1,1,3,3] → Conv (W = [2, 3]) → Mul by a constant of shape <paramref name="dims"/>; the Conv output also feeds a second output when <paramref name="shared"/>.</summary>
    public static ModelBuilder ConvMulBy(long[] dims, float[] values, bool shared = false)
    {
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 1, 1, 3, 3);
        b.Initializer("w", new float[] { 2, 3 }, 2, 1, 1, 1);
        b.Node("Conv", new[] { "x", "w" }, new[] { "conv" }, "conv", ("kernel_shape", new long[] { 1, 1 }));
        b.Initializer("k", values, dims);
        b.Node("Mul", new[] { "conv", "k" }, new[] { "y" }, "mul");
        b.OutputUnknownShape("y", ElementType.Float);
        if (shared) { b.Node("Relu", new[] { "conv" }, new[] { "z" }, "relu"); b.OutputUnknownShape("z", ElementType.Float); }
        return b;
    }

    /// <summary>
    /// x[1,2,4] → MatMul(W = [[1, 2], [3, 4]]) reading W through Transpose(Wᵀ), as PyTorch exports Linear with
    /// do_constant_folding=False → Add(bias [1, −1]) → Transpose [0,2,1] → Mul(layer scale [2,1] = [0.5, 2]): ConvNeXt's block end.
    /// </summary>
    public static ModelBuilder LayerScaleAfterMatMul()
    {
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 1, 4, 2);
        b.Initializer("wt", new float[] { 1, 3, 2, 4 }, 2, 2);
        b.Node("Transpose", new[] { "wt" }, new[] { "w" }, "weight_transpose", ("perm", new long[] { 1, 0 }));
        b.Op("MatMul", "mm", "x", "w");
        b.Initializer("bias", new float[] { 1, -1 }, 2);
        b.Node("Add", new[] { "mm", "bias" }, new[] { "biased" }, "bias_add");
        b.Node("Transpose", new[] { "biased" }, new[] { "t" }, "to_channels_first", ("perm", new long[] { 0, 2, 1 }));
        b.Initializer("gamma", new float[] { 0.5f, 2 }, 2, 1);
        b.Node("Mul", new[] { "t", "gamma" }, new[] { "y" }, "layer_scale");
        b.Output("y", ElementType.Float, 1, 2, 4);
        return b;
    }

    /// <summary>Two Conv+BN whose zero biases PyTorch deduplicated: the second Conv reads the bias through an Identity.</summary>
    public static ModelBuilder DeduplicatedBiasConvBn()
    {
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 1, 2, 3, 3);
        b.Initializer("w1", new float[] { 1, 0, 0, 1 }, 2, 2, 1, 1);
        b.Initializer("w2", new float[] { 0, 1, 1, 0 }, 2, 2, 1, 1);
        b.Initializer("zero_bias", new float[] { 0, 0 }, 2);
        b.Node("Identity", new[] { "zero_bias" }, new[] { "zero_bias_again" }, "dedup");
        b.Node("Conv", new[] { "x", "w1", "zero_bias" }, new[] { "c1" }, "conv1", ("kernel_shape", new long[] { 1, 1 }));
        var y1 = FoldCases.BatchNorm(b, "c1", "bn1", SimpleBn);
        b.Node("Conv", new[] { y1, "w2", "zero_bias_again" }, new[] { "c2" }, "conv2", ("kernel_shape", new long[] { 1, 1 }));
        var y2 = FoldCases.BatchNorm(b, "c2", "bn2", SimpleBn);
        b.Node("Identity", new[] { y2 }, new[] { "y" }, "out");
        b.Output("y", ElementType.Float, 1, 2, 3, 3);
        return b;
    }

    /// <summary><see cref="DeduplicatedBiasConvBn"/> with its nodes written in reverse order (not topological).</summary>
    public static ModelBuilder Unsorted()
    {
        var b = DeduplicatedBiasConvBn();
        var nodes = b.Graph.Node.Reverse().ToList();
        b.Graph.Node.Clear();
        b.Graph.Node.AddRange(nodes);
        return b;
    }

    /// <summary>
    /// x[1,2,3,3] → Mul([0.5, 2] as [2,1,1]) → Add([1, −1]) → Conv(W = [[1, 3]], 1×1 or 3×3 padded, bias [0.5]):
    /// GroupNorm's exported γ and β before a Conv.
    /// </summary>
    public static ModelBuilder MulAddThenConv(bool padded = false)
    {
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 1, 2, 3, 3);
        b.Initializer("gamma", new float[] { 0.5f, 2 }, 2, 1, 1);
        b.Node("Mul", new[] { "x", "gamma" }, new[] { "scaled" }, "gn_mul");
        b.Initializer("beta", new float[] { 1, -1 }, 2, 1, 1);
        b.Node("Add", new[] { "scaled", "beta" }, new[] { "shifted" }, "gn_add");
        int k = padded ? 3 : 1;
        var w = new float[2 * k * k];
        w[(k * k) / 2] = 1; w[k * k + (k * k) / 2] = 3;   // the centre tap: [[1, 3]] for the 1×1 case
        b.Initializer("w", w, 1, 2, k, k);
        b.Initializer("b", new float[] { 0.5f }, 1);
        var attrs = new List<(string, object)> { ("kernel_shape", new long[] { k, k }) };
        if (padded) attrs.Add(("pads", new long[] { 1, 1, 1, 1 }));
        b.Node("Conv", new[] { "shifted", "w", "b" }, new[] { "y" }, "conv", attrs.ToArray());
        b.Output("y", ElementType.Float, 1, 1, 3, 3);
        return b;
    }

    /// <summary>x[1,2,2,2] → InstanceNormalization(scale [2, 3], B [1, −1]) → Conv 1×1 (W = [[1, 2]], bias [0]).</summary>
    public static ModelBuilder InstanceNormThenConv()
    {
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 1, 2, 2, 2);
        b.Initializer("in.scale", new float[] { 2, 3 }, 2);
        b.Initializer("in.bias", new float[] { 1, -1 }, 2);
        b.Node("InstanceNormalization", new[] { "x", "in.scale", "in.bias" }, new[] { "n" }, "inorm", ("epsilon", 1e-5f));
        b.Initializer("w", new float[] { 1, 2 }, 1, 2, 1, 1);
        b.Initializer("b", new float[] { 0 }, 1);
        b.Node("Conv", new[] { "n", "w", "b" }, new[] { "y" }, "conv", ("kernel_shape", new long[] { 1, 1 }));
        b.Output("y", ElementType.Float, 1, 1, 2, 2);
        return b;
    }

    /// <summary>x[1,3,2] → LayerNormalization(γ [2, 3], β [1, −1]) → MatMul(W = [[1, 2], [3, 4]]) → Add(bias [0.5, 0.5]): a transformer block's start.</summary>
    public static ModelBuilder LayerNormThenLinear()
    {
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 1, 3, 2);
        b.Initializer("ln.scale", new float[] { 2, 3 }, 2);
        b.Initializer("ln.bias", new float[] { 1, -1 }, 2);
        b.Node("LayerNormalization", new[] { "x", "ln.scale", "ln.bias" }, new[] { "n" }, "ln", ("axis", -1L), ("epsilon", 1e-5f));
        b.Initializer("w", new float[] { 1, 2, 3, 4 }, 2, 2);
        b.Op("MatMul", "mm", "n", "w");
        b.Initializer("bias", new float[] { 0.5f, 0.5f }, 2);
        b.Node("Add", new[] { "mm", "bias" }, new[] { "y" }, "bias_add");
        b.Output("y", ElementType.Float, 1, 3, 2);
        return b;
    }
}
