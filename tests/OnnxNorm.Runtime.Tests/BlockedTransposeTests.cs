using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestModels;

namespace OnnxNorm.Runtime.Tests;

/// <summary>
/// Transposes that are a (batched) matrix transpose once size-1 dims are dropped and adjacent axes merged
/// (NCHW -> NHWC and back) go through tiles; these check every element against ONNX's definition, computed
/// here from the permutation, for those and for permutations that are not matrix transposes.
/// </summary>
public class BlockedTransposeTests
{
    public static TheoryData<long[], long[]> Cases => new()
    {
        { new long[] { 1, 96, 7, 9 }, new long[] { 0, 2, 3, 1 } },   // NCHW -> NHWC, N = 1: one [C, HW] transpose
        { new long[] { 1, 7, 9, 96 }, new long[] { 0, 3, 1, 2 } },   // and back
        { new long[] { 3, 17, 5, 2 }, new long[] { 0, 2, 3, 1 } },   // N = 3: a batch of transposes, ragged tiles
        { new long[] { 33, 18 }, new long[] { 1, 0 } },
        { new long[] { 2, 16, 8 }, new long[] { 0, 2, 1 } },         // whole 8x8 blocks only
        { new long[] { 1, 20, 3, 7 }, new long[] { 0, 2, 3, 1 } },   // 20 x 21: blocks and both ragged edges
        { new long[] { 4, 1, 6, 5 }, new long[] { 1, 3, 0, 2 } },    // a size-1 axis moved; not a matrix transpose
        { new long[] { 2, 3, 4 }, new long[] { 2, 0, 1 } },          // [2·3, 4] -> [4, 2·3]
        { new long[] { 2, 3, 4, 5 }, new long[] { 0, 2, 1, 3 } },    // not a matrix transpose: the index map
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryElementLandsWhereThePermutationSays(long[] shape, long[] perm)
    {
        var b = new ModelBuilder(opset: 13);
        b.Input("x", ElementType.Float, shape.Cast<object>().ToArray());
        b.Node("Transpose", new[] { "x" }, new[] { "y" }, "transpose", ("perm", perm));
        b.OutputUnknownShape("y", ElementType.Float);
        int n = (int)shape.Aggregate(1L, (p, d) => p * d);
        var x = Enumerable.Range(0, n).Select(i => (float)i).ToArray();
        var session = NativeSession.Create(ModelLoader.Load(b.ToBytes()), new SessionOptions());
        for (int run = 0; run < 2; run++) // the second run reuses the plan built for the shape
        {
            var y = session.Run(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromFloats(shape, x) })["y"];
            var outShape = perm.Select(p => shape[p]).ToArray();
            Assert.Equal(outShape, y.Shape);
            var got = y.AsSpan<float>();
            var inStrides = new long[shape.Length];
            for (int d = shape.Length - 1, s = 1; d >= 0; s *= (int)shape[d], d--) inStrides[d] = s;
            var idx = new long[shape.Length];
            for (int i = 0; i < n; i++)
            {
                long source = 0;
                for (int d = 0; d < perm.Length; d++) source += idx[d] * inStrides[perm[d]];
                Assert.True(got[i] == x[source], $"perm [{string.Join(',', perm)}] of [{string.Join(',', shape)}]: y[{string.Join(',', idx)}] = {got[i]}, expected {x[source]}");
                for (int d = perm.Length - 1; d >= 0; d--)
                {
                    if (++idx[d] < outShape[d]) break;
                    idx[d] = 0;
                }
            }
        }
    }
}
