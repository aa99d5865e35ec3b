namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// The shape of one N-d convolution (1-D, 2-D or 3-D), with pads already resolved from auto_pad.
/// Layouts are ONNX's: X [N, C, spatial...], W [M, C/group, kernel...], Y [N, M, outSpatial...].
/// </summary>
internal sealed record ConvGeometry(
    int Batch,
    int InChannels,
    int OutChannels,
    int Group,
    int[] InputSpatial,
    int[] OutputSpatial,
    int[] Kernel,
    int[] Strides,
    int[] Dilations,
    int[] PadsBegin,
    int[] PadsEnd)
{
    public int SpatialRank => InputSpatial.Length;
    public int InChannelsPerGroup => InChannels / Group;
    public int OutChannelsPerGroup => OutChannels / Group;
    public int KernelSize => Kernel.Aggregate(1, (a, b) => a * b);
    public int InputSize => InputSpatial.Aggregate(1, (a, b) => a * b);
    public int OutputSize => OutputSpatial.Aggregate(1, (a, b) => a * b);
    /// <summary>A 1x1 kernel, stride 1, no padding: the im2col matrix is the input planes themselves ([C][spatial]).</summary>
    public bool IsPointwise => Kernel.All(k => k == 1) && Strides.All(s => s == 1) && PadsBegin.All(p => p == 0) && PadsEnd.All(p => p == 0);
    public long MultiplyAdds => (long)Batch * OutChannels * OutputSize * InChannelsPerGroup * KernelSize;
}

/// <summary>An activation applied in the same pass as the convolution/GEMM that feeds it.</summary>
internal enum FusedActivation
{
    None,
    Relu,
    /// <summary>Clip(min, max), e.g. ReLU6.</summary>
    Clip,
    LeakyRelu,
    Sigmoid,
    /// <summary>x · Sigmoid(x) (SiLU), from a Sigmoid and a Mul that both read the Conv's output.</summary>
    Swish,
    /// <summary>Clamp(Alpha·x + Beta, 0, 1).</summary>
    HardSigmoid,
    /// <summary>x · Clamp(x/6 + 1/2, 0, 1).</summary>
    HardSwish,
    /// <summary>
    /// GELU as PyTorch exports it, ((erf(x / Alpha) + 1) · x) · 0.5 with Alpha = √2: Div, Erf, Add, Mul, Mul after a
    /// MatMul (ConvNeXt, transformers), fused with the MatMul's bias Add.
    /// </summary>
    Gelu,
    /// <summary>
    /// HardSwish written out as Add(x, 3), Clip(0, 6), Mul by x, Div by 6 (PaddlePaddle's order), then · Alpha + Min
    /// (a scalar Mul and Add after it, else 1 and −0): <see cref="DecomposedHardSwishOperator"/>, the ops' own bits.
    /// </summary>
    HardSwishMulDiv,
    /// <summary>The same with the Div by 6 before the Mul by x.</summary>
    HardSwishDivMul,
}

/// <summary>
/// The activation and its parameters (Clip uses Min/Max, LeakyRelu Alpha, HardSigmoid Alpha and Beta).
/// Four fields, no more: the JIT keeps a struct of up to four fields in registers, and a fifth made the GEMM
/// micro-kernels that receive it measurably slower. HardSigmoid's β therefore lives in <see cref="Min"/>.
/// </summary>
internal readonly record struct Activation(FusedActivation Kind, float Alpha = 0f, float Min = float.NegativeInfinity, float Max = float.PositiveInfinity)
{
    public static Activation HardSigmoid(float alpha, float beta) => new(FusedActivation.HardSigmoid, Alpha: alpha, Min: beta);

    /// <summary>HardSigmoid's β.</summary>
    public float Beta => Min;

    /// <summary>HardSwish written out in elementwise ops, then v · scale + shift (scale 1 and shift −0 leave v alone).</summary>
    public static Activation DecomposedHardSwish(bool divideFirst, float scale = 1f, float shift = -0f) =>
        new(divideFirst ? FusedActivation.HardSwishDivMul : FusedActivation.HardSwishMulDiv, Alpha: scale, Min: shift);

    public static Activation None => new(FusedActivation.None);
    public static Activation Relu => new(FusedActivation.Relu);
}
