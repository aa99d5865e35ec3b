using OnnxNorm.Ir;

namespace OnnxNorm.TestModels;

/// <summary>
/// Small models for the forward fold into Gemm and ConvTranspose, and for ConvNeXt's channels-first LayerNorm
/// (Transpose → LayerNormalization → Transpose) before an unpadded Conv or a Flatten → Gemm head. A Relu in
/// front keeps the affine from folding backward, so only the forward rule can remove it.
/// </summary>
public static class ForwardFoldCases
{
    /// <summary>x[3,2] → Relu → BN (<see cref="AffineCases.SimpleBn"/>) → Gemm(B [[1,2],[3,4]] or its transpose, C [0.5, −1] unless none, α 0.5, β 2).</summary>
    public static ModelBuilder BnThenGemm(bool transB, bool withC)
    {
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 3, 2);
        b.Op("Relu", "r", "x");
        var n = FoldCases.BatchNorm(b, "r", "bn", AffineCases.SimpleBn);
        Gemm(b, n, transB, withC);
        return b;
    }

    /// <summary>x[3,2] → Relu → Mul([0.5, 2]) → Sub([1, −1]) → Gemm as in <see cref="BnThenGemm"/> (transB, with C).</summary>
    public static ModelBuilder MulSubThenGemm()
    {
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 3, 2);
        b.Op("Relu", "r", "x");
        b.Initializer("s", new float[] { 0.5f, 2 }, 2);
        b.Node("Mul", new[] { "r", "s" }, new[] { "scaled" }, "mul");
        b.Initializer("t", new float[] { 1, -1 }, 2);
        b.Node("Sub", new[] { "scaled", "t" }, new[] { "shifted" }, "sub");
        Gemm(b, "shifted", transB: true, withC: true);
        return b;
    }

    private static void Gemm(ModelBuilder b, string x, bool transB, bool withC)
    {
        b.Initializer("B", new float[] { 1, 2, 3, 4 }, 2, 2);
        var inputs = new List<string> { x, "B" };
        if (withC) inputs.Add(b.Initializer("C", new float[] { 0.5f, -1 }, 2));
        b.Node("Gemm", inputs.ToArray(), new[] { "y" }, "gemm", ("alpha", 0.5f), ("beta", 2f), ("transB", transB ? 1L : 0L));
        b.Output("y", ElementType.Float, 3, 2);
    }

    /// <summary>
    /// x[1,2,3,3] → Relu → BN (zero shift when <paramref name="shiftFree"/>) → ConvTranspose(2 → 4 channels,
    /// groups 2, kernel k×k, stride s, bias): exact with a shift only for k = 1, s = 1.
    /// </summary>
    public static ModelBuilder BnThenConvTranspose(int kernel, int stride, bool shiftFree)
    {
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 1, 2, 3, 3);
        b.Op("Relu", "r", "x");
        var p = AffineCases.SimpleBn;
        var n = FoldCases.BatchNorm(b, "r", "bn", shiftFree ? p with { Beta = new[] { 0.0, 0.0 }, Mean = new[] { 0.0, 0.0 } } : p);
        var w = new float[2 * 2 * kernel * kernel];
        for (int i = 0; i < w.Length; i++) w[i] = (i % 5) - 1.5f;
        b.Initializer("w", w, 2, 2, kernel, kernel);
        b.Initializer("b", new float[] { 0.25f, -0.5f, 1, 2 }, 4);
        b.Node("ConvTranspose", new[] { n, "w", "b" }, new[] { "y" }, "convT",
            ("kernel_shape", new long[] { kernel, kernel }), ("strides", new long[] { stride, stride }), ("group", 2L));
        long side = (3 - 1) * stride + kernel;
        b.Output("y", ElementType.Float, 1, 4, side, side);
        return b;
    }

    /// <summary>
    /// ConvNeXt's downsampling: x[1,2,4,4] → Transpose(0,2,3,1) → LayerNormalization(γ [2, 3], β [1, −1]) →
    /// Transpose(0,3,1,2) → Conv(2 → 3, kernel 2×2, stride 2, no padding; or 3×3 with pads 1 when
    /// <paramref name="padded"/>).
    /// </summary>
    public static ModelBuilder ChannelsFirstLayerNormThenConv(bool padded = false)
    {
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 1, 2, 4, 4);
        var n = ChannelsFirstLayerNorm(b, "x");
        int k = padded ? 3 : 2;
        var w = new float[3 * 2 * k * k];
        for (int i = 0; i < w.Length; i++) w[i] = (i % 7) * 0.25f - 0.5f;
        b.Initializer("w", w, 3, 2, k, k);
        b.Initializer("b", new float[] { 0.5f, 0, -0.5f }, 3);
        if (padded)
            b.Node("Conv", new[] { n, "w", "b" }, new[] { "y" }, "conv", ("kernel_shape", new long[] { 3, 3 }), ("pads", new long[] { 1, 1, 1, 1 }));
        else
            b.Node("Conv", new[] { n, "w", "b" }, new[] { "y" }, "conv", ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 }));
        b.Output("y", ElementType.Float, 1, 3, padded ? 4 : 2, padded ? 4 : 2);
        return b;
    }

    /// <summary>ConvNeXt's head: x[1,2,1,1] → channels-first LayerNorm → Flatten → Gemm(B [3, 2], transB, C [0.5, 0, −0.5]).</summary>
    public static ModelBuilder ChannelsFirstLayerNormThenFlattenGemm()
    {
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 1, 2, 1, 1);
        var n = ChannelsFirstLayerNorm(b, "x");
        b.Node("Flatten", new[] { n }, new[] { "flat" }, "flatten", ("axis", 1L));
        b.Initializer("B", new float[] { 1, -2, 0.5f, 3, -1, 0.25f }, 3, 2);
        b.Initializer("C", new float[] { 0.5f, 0, -0.5f }, 3);
        b.Node("Gemm", new[] { "flat", "B", "C" }, new[] { "y" }, "gemm", ("transB", 1L));
        b.Output("y", ElementType.Float, 1, 3);
        return b;
    }

    private static string ChannelsFirstLayerNorm(ModelBuilder b, string x)
    {
        b.Node("Transpose", new[] { x }, new[] { "nhwc" }, "to_nhwc", ("perm", new long[] { 0, 2, 3, 1 }));
        b.Initializer("ln.scale", new float[] { 2, 3 }, 2);
        b.Initializer("ln.bias", new float[] { 1, -1 }, 2);
        b.Node("LayerNormalization", new[] { "nhwc", "ln.scale", "ln.bias" }, new[] { "normed" }, "ln", ("axis", -1L), ("epsilon", 1e-5f));
        b.Node("Transpose", new[] { "normed" }, new[] { "nchw" }, "to_nchw", ("perm", new long[] { 0, 3, 1, 2 }));
        return "nchw";
    }
}
