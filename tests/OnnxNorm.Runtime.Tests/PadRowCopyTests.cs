using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestModels;

namespace OnnxNorm.Runtime.Tests;

/// <summary>
/// Constant Pad with pads that only grow, or are all zero (DenseNet's transitions), copies whole rows: checked
/// against the padded tensor built here element by element.
/// </summary>
public class PadRowCopyTests
{
    [Theory]
    [InlineData(new long[] { 0, 0, 0, 0, 0, 0, 0, 0 }, "constant")]
    [InlineData(new long[] { 0, 1, 2, 0, 1, 0, 3, 2 }, "constant")]
    [InlineData(new long[] { 1, 0, 0, 1, 0, 2, 1, 0 }, "constant")]
    [InlineData(new long[] { 0, 0, 0, 0, 0, 0, 0, 0 }, "reflect")]
    public void GrowingOrZeroPadsPutEveryValueWhereTheOnnxDefinitionSays(long[] pads, string mode)
    {
        long[] xShape = { 2, 3, 4, 5 };
        var b = new ModelBuilder(opset: 13);
        b.Input("x", ElementType.Float, 2, 3, 4, 5);
        b.Int64Initializer("pads", pads, 8);
        b.Initializer("value", new[] { -7.5f });
        b.Node("Pad", mode == "constant" ? new[] { "x", "pads", "value" } : new[] { "x", "pads" }, new[] { "y" }, "pad", ("mode", mode));
        b.OutputUnknownShape("y", ElementType.Float);
        var x = Enumerable.Range(0, 120).Select(i => i * 0.25f - 3f).ToArray();
        var y = NativeSession.Create(ModelLoader.Load(b.ToBytes()), new SessionOptions()).Run(
            new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromFloats(xShape, x) })["y"];

        var shape = Enumerable.Range(0, 4).Select(d => xShape[d] + pads[d] + pads[d + 4]).ToArray();
        Assert.Equal(shape, y.Shape);
        var got = y.AsSpan<float>();
        int at = 0;
        for (long i0 = 0; i0 < shape[0]; i0++)
        for (long i1 = 0; i1 < shape[1]; i1++)
        for (long i2 = 0; i2 < shape[2]; i2++)
        for (long i3 = 0; i3 < shape[3]; i3++, at++)
        {
            long s0 = i0 - pads[0], s1 = i1 - pads[1], s2 = i2 - pads[2], s3 = i3 - pads[3];
            bool inside = s0 >= 0 && s0 < 2 && s1 >= 0 && s1 < 3 && s2 >= 0 && s2 < 4 && s3 >= 0 && s3 < 5;
            float expected = inside ? x[((s0 * 3 + s1) * 4 + s2) * 5 + s3] : -7.5f;
            Assert.True(expected.Equals(got[at]), $"y[{i0},{i1},{i2},{i3}] = {got[at]}, expected {expected}");
        }
    }
}
