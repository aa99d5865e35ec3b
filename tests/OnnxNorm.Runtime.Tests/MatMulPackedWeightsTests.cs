using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestModels;

namespace OnnxNorm.Runtime.Tests;

/// <summary>
/// MatMul packs a constant 2-D B once and holds it, over the initializer's own buffer when nothing else reads it:
/// products against a definition written here, and every other reader of the weights still sees them as given.
/// </summary>
public class MatMulPackedWeightsTests
{
    private const int K = 37, Cols = 32;

    private static float[] Normal(ulong seed, int n)
    {
        var rng = new DeterministicRandom(seed);
        var a = new float[n];
        for (int i = 0; i < a.Length; i++) a[i] = (float)rng.Normal();
        return a;
    }

    private static void AssertProduct(float[] a, int rows, float[] w, ReadOnlySpan<float> got, string what)
    {
        Assert.Equal(rows * Cols, got.Length);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < Cols; j++)
            {
                double want = 0, magnitude = 0;
                for (int p = 0; p < K; p++)
                {
                    want += (double)a[i * K + p] * w[p * Cols + j];
                    magnitude += Math.Abs((double)a[i * K + p] * w[p * Cols + j]);
                }
                Assert.True(Math.Abs(got[i * Cols + j] - want) <= 1e-6 * magnitude + 1e-7, $"{what}: [{i},{j}] = {got[i * Cols + j]}, expected {want}");
            }
    }

    private static Dictionary<string, TensorValue> Run(ModelBuilder b, int threads, params (string Name, long[] Shape, float[] Data)[] feeds) =>
        NativeSession.Create(ModelLoader.Load(b.ToBytes()), new SessionOptions { Threads = threads })
            .Run(feeds.ToDictionary(f => f.Name, f => TensorValue.FromFloats(f.Shape, f.Data)));

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void WeightsReadOnlyByOneMatMulGiveTheProductForOneToManyRowsOnEveryRun(int threads)
    {
        var w = Normal(3, K * Cols);
        foreach (int rows in new[] { 1, 5, 6, 49 })
        {
            var b = new ModelBuilder(opset: 17);
            b.Input("a", ElementType.Float, rows, K);
            b.Initializer("w", w, K, Cols);
            b.Node("MatMul", new[] { "a", "w" }, new[] { "y" }, "mm");
            b.OutputUnknownShape("y", ElementType.Float);
            var session = NativeSession.Create(ModelLoader.Load(b.ToBytes()), new SessionOptions { Threads = threads });
            var a = Normal(4, rows * K);
            for (int run = 0; run < 2; run++)
            {
                var y = session.Run(new Dictionary<string, TensorValue> { ["a"] = TensorValue.FromFloats(new long[] { rows, K }, a) })["y"];
                AssertProduct(a, rows, w, y.AsSpan<float>(), $"{rows} rows, run {run}");
            }
        }
    }

    [Fact]
    public void WeightsSharedWithOtherReadersAndAGraphOutputStayAsGiven()
    {
        var w = Normal(5, K * Cols);
        var b = new ModelBuilder(opset: 17);
        b.Input("a", ElementType.Float, 7, K);
        b.Input("c", ElementType.Float, 6, K);
        b.Initializer("w", w, K, Cols);
        b.Initializer("v", Normal(6, K * Cols), K, Cols);
        b.Node("MatMul", new[] { "a", "w" }, new[] { "y1" }, "mm1");
        b.Node("MatMul", new[] { "c", "w" }, new[] { "y2" }, "mm2");
        b.Node("Add", new[] { "w", "w" }, new[] { "doubled" }, "add");
        b.Node("MatMul", new[] { "a", "v" }, new[] { "y3" }, "mm3");
        b.OutputUnknownShape("y1", ElementType.Float);
        b.OutputUnknownShape("y2", ElementType.Float);
        b.OutputUnknownShape("doubled", ElementType.Float);
        b.OutputUnknownShape("y3", ElementType.Float);
        b.OutputUnknownShape("v", ElementType.Float);
        var a = Normal(7, 7 * K);
        var c = Normal(8, 6 * K);
        var outputs = Run(b, 1, ("a", new long[] { 7, K }, a), ("c", new long[] { 6, K }, c));
        AssertProduct(a, 7, w, outputs["y1"].AsSpan<float>(), "first reader");
        AssertProduct(c, 6, w, outputs["y2"].AsSpan<float>(), "second reader");
        Assert.Equal(w.Select(x => x + x).ToArray(), outputs["doubled"].AsSpan<float>().ToArray());
        Assert.Equal(Normal(6, K * Cols), outputs["v"].AsSpan<float>().ToArray());
        AssertProduct(a, 7, Normal(6, K * Cols), outputs["y3"].AsSpan<float>(), "weights that are also a graph output");
    }
}
