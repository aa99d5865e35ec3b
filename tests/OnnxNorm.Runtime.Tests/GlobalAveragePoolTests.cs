using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestModels;

namespace OnnxNorm.Runtime.Tests;

/// <summary>GlobalAveragePool's vectorised double sum against the mean written out here.</summary>
public class GlobalAveragePoolTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 7)]
    [InlineData(4, 4)]
    [InlineData(56, 56)]
    [InlineData(3, 17)]
    public void EachPlaneIsTheMeanOfItsValuesRoundedOnceAndNaNPropagates(int h, int w)
    {
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 2, 3, h, w);
        b.Node("GlobalAveragePool", new[] { "x" }, new[] { "y" }, "gap");
        b.OutputUnknownShape("y", ElementType.Float);
        var rng = new DeterministicRandom((ulong)(h * 100 + w));
        var x = new float[6 * h * w];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.Normal() * 100 + 3);
        x[4 * h * w + h * w / 2] = float.NaN;
        var y = NativeSession.Create(ModelLoader.Load(b.ToBytes()))
            .Run(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromFloats(new long[] { 2, 3, h, w }, x) })["y"];
        Assert.Equal(new long[] { 2, 3, 1, 1 }, y.Shape);
        for (int p = 0; p < 6; p++)
        {
            double sum = 0; // in double, in order: its error (~1e-13 relative) is far below float's ulp
            bool nan = false;
            for (int i = 0; i < h * w; i++)
            {
                float v = x[p * h * w + i];
                if (float.IsNaN(v)) nan = true;
                else sum += v;
            }
            float got = y.AsSpan<float>()[p];
            if (nan) Assert.True(float.IsNaN(got), $"plane {p}: expected NaN, got {got}");
            else Assert.Equal((float)(sum / (h * w)), got);
        }
    }
}
