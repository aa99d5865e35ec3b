using OnnxNorm.Ir;
using OnnxNorm.Runtime.Data;
using OnnxNorm.Runtime.Engines;

namespace OnnxNorm.Ort.Tests;

public class InputGeneratorTests
{
    private static readonly TensorSignature Image = new("image", ElementType.Float, new long[] { -1, 3, -1, -1 }, new string?[] { "batch", null, "height", "width" });

    [Fact]
    public void Leading_dim_defaults_to_one_others_need_a_shape()
    {
        var e = Assert.Throws<BadInputException>(() => InputGenerator.ResolveShape(Image, ShapeOverrides.Empty));
        Assert.Contains("'height'", e.Message);
        Assert.Contains("--shape image=", e.Message);
        Assert.Equal(new long[] { 1, 3, 8, 9 }, InputGenerator.ResolveShape(Image, ShapeOverrides.Parse(new[] { "height=8", "width=9" })));
        Assert.Equal(new long[] { 2, 3, 4, 5 }, InputGenerator.ResolveShape(Image, ShapeOverrides.Parse(new[] { "image=2x3x4x5" })));
        Assert.Throws<BadInputException>(() => InputGenerator.ResolveShape(Image, ShapeOverrides.Parse(new[] { "image=2x4x4x5" })));
        Assert.Throws<BadInputException>(() => InputGenerator.ResolveShape(Image, ShapeOverrides.Parse(new[] { "image=2x3x4" })));
        Assert.Throws<BadInputException>(() => ShapeOverrides.Parse(new[] { "image=2xAx4" }));
    }

    [Fact]
    public void Data_is_seeded_and_respects_the_dtype()
    {
        var sig = new[] { new TensorSignature("ids", ElementType.Int64, new long[] { 1000 }, new string?[1]), new TensorSignature("mask", ElementType.Bool, new long[] { 1000 }, new string?[1]) };
        var a = InputGenerator.Generate(sig, 1);
        var b = InputGenerator.Generate(sig, 1);
        var c = InputGenerator.Generate(sig, 2);
        Assert.Equal(a["ids"].AsSpan<long>().ToArray(), b["ids"].AsSpan<long>().ToArray());
        Assert.NotEqual(a["ids"].AsSpan<long>().ToArray(), c["ids"].AsSpan<long>().ToArray());
        Assert.All(a["ids"].AsSpan<long>().ToArray(), v => Assert.InRange(v, 0, InputGenerator.IntegerRange - 1));
        var mask = a["mask"].AsSpan<bool>().ToArray();
        Assert.Contains(true, mask);
        Assert.Contains(false, mask);
        var f = InputGenerator.Random(ElementType.Float, new long[] { 10000 }, 3).AsSpan<float>().ToArray();
        double mean = f.Average(x => (double)x), variance = f.Average(x => (x - mean) * (x - mean));
        Assert.InRange(mean, -0.05, 0.05);
        Assert.InRange(variance, 0.9, 1.1);
    }

    [Fact]
    public void Uniform_floats_lie_in_the_unit_interval()
    {
        var u = InputGenerator.Random(ElementType.Float, new long[] { 10000 }, 3, FloatDistribution.Uniform).AsSpan<float>().ToArray();
        Assert.All(u, v => Assert.InRange(v, 0f, 1f));
        Assert.InRange(u.Average(), 0.48, 0.52);
    }
}
