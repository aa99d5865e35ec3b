using OnnxNorm.Ir;
using OnnxNorm.Runtime;
using OnnxNorm.Workflows.Comparison;

namespace OnnxNorm.Ort.Tests;

/// <summary>Metrics on small vectors whose answers are worked out by hand in the comments.</summary>
public class MetricsTests
{
    private static TensorValue F(params float[] v) => TensorValue.FromFloats(new long[] { v.Length }, v);

    [Fact]
    public void Basic_metrics()
    {
        // a = [1,2,3,4], b = [1,2,3,5]: one difference of 1.
        var m = TensorComparer.Compare(F(1, 2, 3, 4), F(1, 2, 3, 5), new Tolerance(0, 0.5));
        Assert.Equal(1.0, m.MaxAbs);
        Assert.Equal(0.2, m.MaxRel, 12);         // 1 / 5
        Assert.Equal(0.25, m.MeanAbs, 12);       // 1 / 4
        // cosine = (1+4+9+20) / (sqrt(1+4+9+16) * sqrt(1+4+9+25)) = 34 / sqrt(30*39)
        Assert.Equal(34 / Math.Sqrt(1170), m.Cosine, 12);
        Assert.Equal(1L, m.CountOverTolerance);  // |4-5| = 1 > 0.5
        Assert.Equal(3L, m.WorstIndex);
        Assert.False(m.Passes);
        Assert.Null(m.ArgmaxAgreement);          // rank 1 is not logit-shaped
    }

    [Fact]
    public void Tolerance_rule_is_atol_plus_rtol_times_reference()
    {
        // |10.5 - 10| = 0.5 <= 0.1 + 0.05 * 10 = 0.6 passes; with rtol 0.03: 0.1 + 0.3 = 0.4 fails.
        Assert.Equal(0L, TensorComparer.Compare(F(10.5f), F(10f), new Tolerance(0.05, 0.1)).CountOverTolerance);
        Assert.Equal(1L, TensorComparer.Compare(F(10.5f), F(10f), new Tolerance(0.03, 0.1)).CountOverTolerance);
    }

    [Fact]
    public void Ulp_distances()
    {
        float one = 1f, next = BitConverter.Int32BitsToSingle(0x3F800001);
        Assert.Equal(1UL, UlpDistance.Float32(one, next));
        Assert.Equal(0UL, UlpDistance.Float32(-0f, 0f));
        float tiny = BitConverter.Int32BitsToSingle(1);
        Assert.Equal(2UL, UlpDistance.Float32(-tiny, tiny)); // -denormal, 0, +denormal
        Assert.Equal(1UL, UlpDistance.Float64(1.0, BitConverter.Int64BitsToDouble(0x3FF0000000000001)));
        Assert.Equal(1UL, UlpDistance.Bits16(0x3C00, 0x3C01));  // float16 1.0 and its successor
        Assert.Equal(2UL, UlpDistance.Bits16(0x8001, 0x0001));
        Assert.Equal(3UL, TensorComparer.Compare(F(one), F(BitConverter.Int32BitsToSingle(0x3F800003)), new Tolerance(0, 0)).MaxUlp);
    }

    [Fact]
    public void Nan_and_inf_mismatches_are_counted_and_matching_ones_pass()
    {
        var m = TensorComparer.Compare(F(float.NaN, float.NaN, float.PositiveInfinity, float.PositiveInfinity, 1),
                                       F(1, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1), new Tolerance(0, 0));
        Assert.Equal(1L, m.NanMismatches);
        Assert.Equal(1L, m.InfMismatches);
        Assert.Equal(2L, m.CountOverTolerance);
        Assert.Equal(0.0, m.MaxAbs); // the finite pair is equal
    }

    [Fact]
    public void Argmax_and_top5_agreement_on_logits()
    {
        // rows: a0 = [1,3,2] argmax 1, b0 = [1,2,3] argmax 2; a1 = b1 = [5,4,0]. Top-3 (C=3) sets are equal in both rows.
        var a = TensorValue.FromFloats(new long[] { 2, 3 }, new[] { 1f, 3, 2, 5, 4, 0 });
        var b = TensorValue.FromFloats(new long[] { 2, 3 }, new[] { 1f, 2, 3, 5, 4, 0 });
        var m = TensorComparer.Compare(a, b, new Tolerance(0, 0));
        Assert.Equal(0.5, m.ArgmaxAgreement);
        Assert.Equal(1.0, m.Top5Agreement);
        Assert.True(TensorComparer.IsLogitShaped(new long[] { 4, 1000, 1, 1 }));
        Assert.False(TensorComparer.IsLogitShaped(new long[] { 4, 1 }));
        Assert.False(TensorComparer.IsLogitShaped(new long[] { 4, 3, 2, 2 }));
    }

    [Fact]
    public void Shape_and_type_mismatches_fail()
    {
        Assert.False(TensorComparer.Compare(F(1, 2), F(1, 2, 3), new Tolerance(1, 1)).Passes);
        var ints = TensorValue.Wrap(ElementType.Int64, new long[] { 2 }, new[] { 1L, 2L });
        var m = TensorComparer.Compare(F(1, 2), ints, new Tolerance(1, 1));
        Assert.False(m.Passes);
        Assert.False(m.Comparable);
        Assert.Equal("int64", m.ReferenceElementType);
    }

    [Fact]
    public void Two_floating_point_types_compare_in_the_less_precise_one()
    {
        // float16 [1, 1.0009765625 (1 + 2^-10, the next half after 1)] against float32 [1, 1]: one half ULP apart.
        var half = TensorValue.Wrap(ElementType.Float16, new long[] { 2 }, new[] { (Half)1, BitConverter.UInt16BitsToHalf(0x3C01) });
        var m = TensorComparer.Compare(half, F(1, 1), new Tolerance(0, 0));
        Assert.True(m.Comparable);
        Assert.Equal("float32", m.ReferenceElementType);
        Assert.Equal(1.0 / 1024, m.MaxAbs);
        Assert.Equal(1UL, m.MaxUlp);
        Assert.Equal(ElementType.Float16, TensorComparer.ToleranceType(ElementType.Float, ElementType.Float16));
        Assert.Equal(ElementType.BFloat16, TensorComparer.ToleranceType(ElementType.BFloat16, ElementType.Float16));
    }

    [Fact]
    public void Integers_compare_exactly_and_presets_differ_by_dtype()
    {
        var p = TolerancePolicy.Default;
        Assert.Equal(new Tolerance(0, 0), p.For(ElementType.Int64));
        Assert.Equal(new Tolerance(1e-4, 1e-5), p.For(ElementType.Float));
        Assert.True(p.For(ElementType.Float16).Rtol > p.For(ElementType.Float).Rtol);
        Assert.True(p.For(ElementType.Double).Rtol < p.For(ElementType.Float).Rtol);
        Assert.True(new TolerancePolicy(TolerancePreset.Strict).For(ElementType.Float).Rtol < p.For(ElementType.Float).Rtol);
        Assert.True(new TolerancePolicy(TolerancePreset.Loose).For(ElementType.Float).Rtol > p.For(ElementType.Float).Rtol);
        Assert.Equal(new Tolerance(0.5, 0.25), new TolerancePolicy(TolerancePreset.Close, 0.5, 0.25).For(ElementType.Float16));
        Assert.Throws<BadInputException>(() => TolerancePolicy.ParsePreset("tight"));
    }
}
