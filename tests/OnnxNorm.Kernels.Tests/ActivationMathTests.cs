using System.Runtime.Intrinsics;
using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Kernels.Tests;

/// <summary>The fused/standalone activations against their definitions, written here in plain scalar code.</summary>
public class ActivationMathTests
{
    private static readonly float[] Specials =
    {
        float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, 1e-30f, -1e-30f, 1e-45f, 3f, -3f, 2.9999998f, -3.0000002f,
        88.7f, -88.7f, 104f, -104f, 200f, -200f, 17f, -17f, 0.5f, -0.5f, float.MaxValue, float.MinValue,
    };

    private static IEnumerable<float> Values()
    {
        var rng = new Random(3);
        foreach (float v in Specials) yield return v;
        for (int i = 0; i < 4000; i++) yield return (float)((rng.NextDouble() * 2 - 1) * Math.Pow(10, rng.Next(-6, 3)));
    }

    // Sigmoid's definition in double: 1/(1+e^-x), rounded once. Float arithmetic rounds e^-x, 1 + e^-x and the
    // quotient (about 3 ulp near x = 0, as the scalar float formula did before).
    private static float SigmoidDefinition(float x) => (float)(1 / (1 + Math.Exp(-(double)x)));

    private static float Clamp01(float t) => t < 0 ? 0 : t > 1 ? 1 : t;

    private static int UlpDistance(float a, float b)
    {
        int ia = BitConverter.SingleToInt32Bits(a), ib = BitConverter.SingleToInt32Bits(b);
        if (ia < 0) ia = int.MinValue - ia;
        if (ib < 0) ib = int.MinValue - ib;
        return Math.Abs(ia - ib);
    }

    [Fact]
    public void SigmoidIsWithinFourUlpOfTheFloat64DefinitionAndKeepsNaN()
    {
        var act = new Activation(FusedActivation.Sigmoid);
        foreach (float x in Values())
        {
            float got = ActivationMath.Scalar(x, act), want = SigmoidDefinition(x);
            if (float.IsNaN(x)) Assert.True(float.IsNaN(got), "Sigmoid(NaN) must be NaN");
            else if (want < 1e-37f) Assert.True(got >= 0 && got < 1e-37f, $"Sigmoid({x}) = {got}, expected {want}");
            else Assert.True(UlpDistance(got, want) <= 4, $"Sigmoid({x}) = {got}, expected {want}");
        }
    }

    [Fact]
    public void SwishIsXTimesTheSameSigmoidBitForBit()
    {
        // Fused SiLU must equal the unfused graph, Mul(x, Sigmoid(x)), exactly.
        var sig = new Activation(FusedActivation.Sigmoid);
        var swish = new Activation(FusedActivation.Swish);
        foreach (float x in Values())
        {
            float got = ActivationMath.Scalar(x, swish), want = x * ActivationMath.Scalar(x, sig);
            Assert.True(got.Equals(want), $"Swish({x}) = {got}, Mul(x, Sigmoid(x)) = {want}");
            if (!float.IsNaN(x) && !float.IsInfinity(x))
                Assert.True(Math.Abs(got - x * SigmoidDefinition(x)) <= 3e-7 * Math.Abs(x) + 1e-45, $"Swish({x}) = {got}");
        }
    }

    [Fact]
    public void DecomposedHardSwishIsTheFourOpsAndTheAffineStepRoundedOneByOne()
    {
        // The ops as the graph writes them: Add(x, 3), Clip(0, 6), Mul(x, .), Div(., 6) (or Div before Mul), Mul(s), Add(t).
        const float s = 0.9431691f, t = -0.5465887f;
        var mulDiv = Activation.DecomposedHardSwish(divideFirst: false, scale: s, shift: t);
        var divMul = Activation.DecomposedHardSwish(divideFirst: true);
        foreach (float x in Values())
        {
            float sum = x + 3f;
            float r6 = float.IsNaN(sum) ? sum : sum < 0f ? 0f : sum > 6f ? 6f : sum;
            float wantMulDiv = x * r6 / 6f * s + t, wantDivMul = r6 / 6f * x;
            Assert.True(ActivationMath.Scalar(x, mulDiv).Equals(wantMulDiv), $"MulDiv({x:R}) = {ActivationMath.Scalar(x, mulDiv):R}, expected {wantMulDiv:R}");
            float got = ActivationMath.Scalar(x, divMul);
            Assert.True(BitConverter.SingleToInt32Bits(got) == BitConverter.SingleToInt32Bits(wantDivMul) || float.IsNaN(got) && float.IsNaN(wantDivMul),
                $"DivMul({x:R}) = {got:R}, expected {wantDivMul:R}");
        }
        // Without the affine step a negative input's −0 stays −0 (adding +0 would make it +0).
        Assert.Equal(BitConverter.SingleToInt32Bits(-0f), BitConverter.SingleToInt32Bits(ActivationMath.Scalar(-5f, divMul)));
    }

    [Fact]
    public void HardSwishAndHardSigmoidMatchTheirFloatDefinitionsExactly()
    {
        var hswish = new Activation(FusedActivation.HardSwish);
        var hsig = Activation.HardSigmoid(0.2f, 0.5f);
        foreach (float x in Values())
        {
            // ONNX: HardSwish(x) = x · max(0, min(1, x/6 + 1/2)); HardSigmoid(x) = max(0, min(1, αx + β)).
            float wantSwish = float.IsNaN(x) ? x : x * Clamp01(x / 6f + 0.5f);
            float wantSig = float.IsNaN(x) ? x : Clamp01(0.2f * x + 0.5f);
            Assert.True(ActivationMath.Scalar(x, hswish).Equals(wantSwish), $"HardSwish({x}) = {ActivationMath.Scalar(x, hswish)}, expected {wantSwish}");
            Assert.True(ActivationMath.Scalar(x, hsig).Equals(wantSig), $"HardSigmoid({x}) = {ActivationMath.Scalar(x, hsig)}, expected {wantSig}");
        }
    }

    [Fact]
    public void FusedReluKeepsNaNLikeTheStandaloneRelu()
    {
        Assert.True(float.IsNaN(ActivationMath.Scalar(float.NaN, Activation.Relu)));
        Assert.Equal(0f, ActivationMath.Scalar(-0f, Activation.Relu));
        Assert.False(float.IsNegative(ActivationMath.Scalar(-0f, Activation.Relu)));
        Assert.Equal(0f, ActivationMath.Scalar(-2f, Activation.Relu));
        Assert.Equal(2f, ActivationMath.Scalar(2f, Activation.Relu));
    }

    public static TheoryData<int> Kinds => new() { 1, 2, 3, 4, 5, 6, 7, 8 };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void RunsOfEveryLengthAndBothVectorWidthsGiveEachValuesOwnResult(int kind)
    {
        var act = (FusedActivation)kind == FusedActivation.HardSigmoid ? Activation.HardSigmoid(0.2f, 0.5f)
            : new Activation((FusedActivation)kind, Alpha: 0.2f, Min: -1f, Max: 6f);
        var all = Values().ToArray();
        for (int n = 0; n <= 40; n++)
        {
            var x = all.AsSpan(n * 7, n).ToArray();
            var y = new float[n + 1];
            y[n] = 123f;
            ActivationMath.Apply(x, y.AsSpan(0, n), act, KernelSupport.Best);
            Assert.Equal(123f, y[n]);
            for (int i = 0; i < n; i++)
                Assert.True(y[i].Equals(ActivationMath.Scalar(x[i], act)), $"{act.Kind} run of {n}: element {i} ({x[i]}) gives {y[i]}, alone {ActivationMath.Scalar(x[i], act)}");
        }
        // The 512-bit epilogue (wide GEMM kernel) and the 256-bit one agree lane by lane.
        for (int i = 0; i + 16 <= all.Length; i += 16)
        {
            var wide = ActivationMath.Apply(Vector512.Create(all.AsSpan(i, 16)), act);
            for (int j = 0; j < 16; j++)
                Assert.True(wide[j].Equals(ActivationMath.Scalar(all[i + j], act)), $"{act.Kind}: 512-bit lane of {all[i + j]} gives {wide[j]}");
        }
    }
}
