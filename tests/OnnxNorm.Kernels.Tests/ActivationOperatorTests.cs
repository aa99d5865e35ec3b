using System.Runtime.Intrinsics;
using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Kernels.Tests;

/// <summary>
/// Each activation's operator struct: its scalar, 256-bit and 512-bit forms give the same bits on edge inputs, so no
/// result depends on the instruction set or on where a run's ragged end falls; and the NaN/±0 rules of Relu, Clip and
/// LeakyRelu, written out here.
/// </summary>
public class ActivationOperatorTests
{
    private static readonly float[] Edges = MakeEdges();

    private static float[] MakeEdges()
    {
        var values = new List<float>
        {
            float.NaN, -float.NaN, BitConverter.Int32BitsToSingle(0x7FC12345), BitConverter.Int32BitsToSingle(unchecked((int)0xFFC00001)),
            0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, float.MinValue,
            float.Epsilon, -float.Epsilon, 1e-40f, -1e-40f, 1.1754942e-38f, -1.1754942e-38f, 1.17549435e-38f, -1.17549435e-38f,
            1e-30f, -1e-30f, 0.5f, -0.5f, 0.75f, -0.75f, 1f, -1f, 3f, -3f, 2.9999998f, -3.0000002f, 6f, -6f, 6.0000005f,
            17f, -17f, 88.7f, -88.7f, 104f, -104f, 200f, -200f,
        };
        var rng = new Random(11);
        for (int i = 0; i < 500; i++) values.Add((float)((rng.NextDouble() * 2 - 1) * Math.Pow(10, rng.Next(-8, 4))));
        while (values.Count % 16 != 0) values.Add(values.Count);
        return values.ToArray();
    }

    public static TheoryData<string> Names => new() { "Relu", "Clip", "Relu6", "ClipNaNBounds", "LeakyRelu", "Sigmoid", "SiLU", "HardSigmoid", "HardSwish", "HardSwishMulDivAffine", "HardSwishDivMul" };

    private static Activation Named(string name) => name switch
    {
        "Relu" => Activation.Relu,
        "Clip" => new Activation(FusedActivation.Clip, Min: -0.5f, Max: 0.75f),
        "Relu6" => new Activation(FusedActivation.Clip, Min: 0f, Max: 6f),
        "ClipNaNBounds" => new Activation(FusedActivation.Clip, Min: float.NaN, Max: float.NaN),
        "LeakyRelu" => new Activation(FusedActivation.LeakyRelu, Alpha: 0.1f),
        "Sigmoid" => new Activation(FusedActivation.Sigmoid),
        "SiLU" => new Activation(FusedActivation.Swish),
        "HardSigmoid" => Activation.HardSigmoid(0.2f, 0.5f),
        "HardSwishMulDivAffine" => Activation.DecomposedHardSwish(divideFirst: false, scale: 0.9431691f, shift: -0.5465887f),
        "HardSwishDivMul" => Activation.DecomposedHardSwish(divideFirst: true),
        _ => new Activation(FusedActivation.HardSwish),
    };

    private static int Bits(float v) => BitConverter.SingleToInt32Bits(v);

    [Theory]
    [MemberData(nameof(Names))]
    public void TheScalarAnd256And512BitFormsAgreeBitForBitOnNaNSignedZeroInfinityAndDenormals(string name)
    {
        var act = Named(name);
        for (int i = 0; i < Edges.Length; i += 16)
        {
            var narrow0 = ActivationMath.Apply(Vector256.Create(Edges.AsSpan(i, 8)), act);
            var narrow1 = ActivationMath.Apply(Vector256.Create(Edges.AsSpan(i + 8, 8)), act);
            var wide = ActivationMath.Apply(Vector512.Create(Edges.AsSpan(i, 16)), act);
            for (int j = 0; j < 16; j++)
            {
                float x = Edges[i + j], scalar = ActivationMath.Scalar(x, act);
                float lane256 = j < 8 ? narrow0[j] : narrow1[j - 8];
                Assert.True(Bits(scalar) == Bits(lane256), $"{name}({x:R}): scalar {Bits(scalar):X8}, 256-bit {Bits(lane256):X8}");
                Assert.True(Bits(scalar) == Bits(wide[j]), $"{name}({x:R}): scalar {Bits(scalar):X8}, 512-bit {Bits(wide[j]):X8}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void RunsGiveTheSameBitsOnEveryInstructionSetAndEveryRaggedEnd(string name)
    {
        var act = Named(name);
        foreach (int length in new[] { 1, 7, 8, 15, 17, 31, Edges.Length - 3 })
        {
            var x = Edges.AsSpan(3, length).ToArray();
            var results = new[] { KernelIsa.Scalar, KernelIsa.Avx2, KernelIsa.Avx512 }.Select(isa =>
            {
                var y = new float[length];
                ActivationMath.Apply(x, y, act, isa);
                return y;
            }).ToArray();
            for (int i = 0; i < length; i++)
            {
                int want = Bits(ActivationMath.Scalar(x[i], act));
                Assert.True(results.All(r => Bits(r[i]) == want),
                    $"{name}, run of {length}, element {i} ({x[i]:R}): scalar/avx2/avx512 give {string.Join(" ", results.Select(r => Bits(r[i]).ToString("X8")))}, alone {want:X8}");
            }
        }
    }

    [Fact]
    public void TheFloat64RulesOfReluClipAndLeakyReluGiveTheFloat32ResultOnEveryEdgeInput()
    {
        // The double executor (reference mode, double models) uses the same rules: widening, applying and narrowing
        // must give the float form's value, with NaN staying NaN and the sign of zero kept.
        foreach (float x in Edges)
        {
            double d = x;
            AssertSame(ActivationMath.Scalar(x, Activation.Relu), (float)ReluOperator.Of(d), $"Relu({x:R})");
            AssertSame(ActivationMath.Scalar(x, new Activation(FusedActivation.Clip, Min: -0.5f, Max: 0.75f)), (float)ClipOperator.Of(d, -0.5, 0.75), $"Clip({x:R})");
            AssertSame(ActivationMath.Scalar(x, new Activation(FusedActivation.LeakyRelu, Alpha: 0.25f)), (float)LeakyReluOperator.Of(d, 0.25), $"LeakyRelu({x:R})");
        }

        static void AssertSame(float single, float fromDouble, string what) =>
            Assert.True(float.IsNaN(single) ? float.IsNaN(fromDouble) : Bits(single) == Bits(fromDouble), $"{what}: float {single:R}, double {fromDouble:R}");
    }

    [Fact]
    public void ReluKeepsNaNAndMapsNegativeZeroToZero()
    {
        Assert.True(float.IsNaN(ActivationMath.Scalar(float.NaN, Activation.Relu)));
        Assert.Equal(Bits(0f), Bits(ActivationMath.Scalar(-0f, Activation.Relu)));
        Assert.Equal(0f, ActivationMath.Scalar(float.NegativeInfinity, Activation.Relu));
        Assert.Equal(float.PositiveInfinity, ActivationMath.Scalar(float.PositiveInfinity, Activation.Relu));
        Assert.Equal(1e-40f, ActivationMath.Scalar(1e-40f, Activation.Relu));
    }

    [Fact]
    public void ClipKeepsNaNTreatsNaNBoundsAsAbsentAndPrefersTheBoundAtEqualZeros()
    {
        var relu6 = new Activation(FusedActivation.Clip, Min: 0f, Max: 6f);
        Assert.True(float.IsNaN(ActivationMath.Scalar(float.NaN, relu6)), "Clip(NaN) must stay NaN, fused or not");
        Assert.Equal(6f, ActivationMath.Scalar(float.PositiveInfinity, relu6));
        Assert.Equal(0f, ActivationMath.Scalar(float.NegativeInfinity, relu6));
        Assert.Equal(Bits(0f), Bits(ActivationMath.Scalar(-0f, relu6)));
        var unbounded = new Activation(FusedActivation.Clip, Min: float.NaN, Max: float.NaN);
        Assert.Equal(-3f, ActivationMath.Scalar(-3f, unbounded));
        Assert.Equal(float.NegativeInfinity, ActivationMath.Scalar(float.NegativeInfinity, unbounded));
    }

    [Fact]
    public void LeakyReluScalesNegativesKeepsNaNAndNegativeZero()
    {
        var leaky = new Activation(FusedActivation.LeakyRelu, Alpha: 0.25f);
        Assert.Equal(-1f, ActivationMath.Scalar(-4f, leaky));
        Assert.Equal(4f, ActivationMath.Scalar(4f, leaky));
        Assert.True(float.IsNaN(ActivationMath.Scalar(float.NaN, leaky)));
        Assert.Equal(Bits(-0f), Bits(ActivationMath.Scalar(-0f, leaky)));
    }
}
