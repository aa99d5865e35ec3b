using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// HardSwish as exporters write it out in elementwise ops: Add(x, 3), Clip(0, 6), then Mul by x and Div by 6
/// (PaddlePaddle, <c>x · relu6(x + 3) / 6</c>) or Div first and Mul after; then, optionally, a scalar Mul and Add
/// (PP-LCNet's learnable affine block after the activation). Each step is the one its node computes, in its order
/// and with its rounding (the division is a division; Clip is <see cref="ClipOperator"/>), so the fused form gives
/// the separate ops' bits. It is not <see cref="HardSwishOperator"/>'s x · clamp(x/6 + 1/2, 0, 1), which rounds
/// differently. Without the affine block, scale is 1 and shift −0: v · 1 + (−0) is v for every v, −0 and NaN included.
/// </summary>
internal readonly struct DecomposedHardSwishOperator(bool divideFirst, float scale, float shift) : IActivationOperator
{
    // NaN x: x + 3 and the Clip give x's quieted NaN, so both factors of the product carry the same NaN and the result
    // is that NaN whichever operand order the multiply uses; ±∞ · 0 gives the default NaN either way.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float x)
    {
        float r6 = new ClipOperator(0f, 6f).Invoke(x + 3f);
        float h = divideFirst ? r6 / 6f * x : x * r6 / 6f;
        return h * scale + shift;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> x)
    {
        var six = Vector256.Create(6f);
        var r6 = new ClipOperator(0f, 6f).Invoke(x + Vector256.Create(3f));
        var h = divideFirst ? r6 / six * x : x * r6 / six;
        return h * Vector256.Create(scale) + Vector256.Create(shift);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> x)
    {
        var six = Vector512.Create(6f);
        var r6 = new ClipOperator(0f, 6f).Invoke(x + Vector512.Create(3f));
        var h = divideFirst ? r6 / six * x : x * r6 / six;
        return h * Vector512.Create(scale) + Vector512.Create(shift);
    }
}
