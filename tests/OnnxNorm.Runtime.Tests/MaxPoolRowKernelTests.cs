using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestModels;

namespace OnnxNorm.Runtime.Tests;

/// <summary>The row-wise 2-D MaxPool kernel against the definition, computed here window by window.</summary>
public class MaxPoolRowKernelTests
{
    [Theory]
    [InlineData(9, 37, 3, 3, 2, 2, 1, 1, 1, 1)]
    [InlineData(12, 29, 2, 2, 2, 2, 0, 0, 0, 0)]
    [InlineData(7, 40, 3, 5, 1, 3, 0, 2, 1, 2)]
    [InlineData(5, 19, 4, 4, 3, 3, 2, 2, 2, 2)]
    [InlineData(3, 8, 7, 9, 1, 1, 3, 4, 3, 4)]
    public void MatchesTheWindowDefinitionIncludingNaN(int h, int w, int kh, int kw, int sh, int sw, int pt, int pl, int pb, int pr)
    {
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 2, 3, h, w);
        b.Node("MaxPool", new[] { "x" }, new[] { "y" }, "pool",
            ("kernel_shape", new long[] { kh, kw }), ("strides", new long[] { sh, sw }), ("pads", new long[] { pt, pl, pb, pr }));
        b.OutputUnknownShape("y", ElementType.Float);
        var rng = new DeterministicRandom((ulong)(h * 1000 + w));
        var x = new float[2 * 3 * h * w];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.Normal();
        x[5] = float.NaN;
        x[x.Length / 2] = float.NaN;
        var y = NativeSession.Create(ModelLoader.Load(b.ToBytes()))
            .Run(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromFloats(new long[] { 2, 3, h, w }, x) })["y"];
        int oh = (h + pt + pb - kh) / sh + 1, ow = (w + pl + pr - kw) / sw + 1;
        Assert.Equal(new long[] { 2, 3, oh, ow }, y.Shape);
        var got = y.AsSpan<float>();
        for (int p = 0; p < 6; p++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                {
                    float want = float.NegativeInfinity;
                    bool nan = false;
                    for (int ky = 0; ky < kh; ky++)
                        for (int kx = 0; kx < kw; kx++)
                        {
                            int r = oy * sh - pt + ky, c = ox * sw - pl + kx;
                            if (r < 0 || r >= h || c < 0 || c >= w) continue;
                            float v = x[p * h * w + r * w + c];
                            if (float.IsNaN(v)) nan = true;
                            else if (v > want) want = v;
                        }
                    float actual = got[(p * oh + oy) * ow + ox];
                    if (nan) Assert.True(float.IsNaN(actual), $"plane {p} ({oy},{ox}): expected NaN, got {actual}");
                    else Assert.Equal(want, actual);
                }
    }
}
