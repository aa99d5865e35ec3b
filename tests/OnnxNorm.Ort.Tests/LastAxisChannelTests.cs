using OnnxNorm.Ir;
using OnnxNorm.Ort;
using OnnxNorm.Runtime;
using OnnxNorm.Runtime.Engines;
using OnnxNorm.Workflows.Comparison;
using OnnxNorm.Workflows.Comparison.NoiseAware;
using Xunit.Abstractions;

namespace OnnxNorm.Ort.Tests;

/// <summary>
/// Channels on the last axis: a MatMul or Gemm writes its output features last ([N, T, C], a transformer-style
/// recognition head), so a change of one output column of its weight is one slice of the last axis, which axis 1
/// (the tokens) would dilute over every token's row.
/// </summary>
public sealed class LastAxisChannelTests(ITestOutputHelper output)
{
    private const int Tokens = 256, Features = 64;

    // R is 1 everywhere; the trusted run B is off by +-1e-4 alternating, with one element (token 0, feature 7) off by
    // 3e-3 (the heavy tail of real float noise, which sets the max floor high); A is B with feature 2 off by 2e-3 in
    // every token.
    private static (TensorValue A, TensorValue B, TensorValue R) Tensors()
    {
        var shape = new long[] { 1, Tokens, Features };
        var r = Enumerable.Repeat(1.0, Tokens * Features).ToArray();
        var b = r.Select((x, i) => x + (i % 2 == 0 ? 1e-4 : -1e-4)).ToArray();
        b[7] = 1 + 3e-3;
        var a = (double[])b.Clone();
        for (int t = 0; t < Tokens; t++) a[t * Features + 2] += 2e-3;
        return (TensorValue.Wrap(ElementType.Double, shape, a), TensorValue.Wrap(ElementType.Double, shape, b), TensorValue.Wrap(ElementType.Double, shape, r));
    }

    [Fact]
    public void A_change_of_one_feature_passes_when_cut_along_the_tokens_and_is_caught_along_the_last_axis()
    {
        var (a, b, r) = Tensors();
        // Along axis 1 each token's slice holds one changed element of 64: its RMS error is sqrt((63e-8 + 4.4e-6) / 64)
        // = 2.7e-4 against a floor of 1.03e-4 (1.3 after the channel allowance), the whole tensor's 2.6.
        var tokens = NoiseAwareRule.Score(a, r, ReferenceRuns.NoiseOf("B's own error", b, r, null, 1), 1);
        Assert.True(tokens.Equivalent, $"score {tokens.Score} ({tokens.FloorSetBy})");
        Assert.Equal(1, tokens.ChannelAxis);
        // Along the last axis feature 2 is off by 2e-3 in all of its 256 elements: 20x its floor.
        var features = NoiseAwareRule.Score(a, r, ReferenceRuns.NoiseOf("B's own error", b, r, null, ChannelAxis.Last), ChannelAxis.Last);
        Assert.False(features.Equivalent);
        Assert.Equal(2, features.Channel);
        Assert.Equal(2, features.ChannelAxis);
        Assert.StartsWith("channel 2 on axis 2:", features.FloorSetBy);
    }

    [Fact]
    public void The_channel_axis_is_the_last_after_a_matmul_and_its_bias_add_and_axis_1_after_a_conv()
    {
        using var rec = ModelLoader.Load(NoiseAwareVerdictTests.PathOf("rec"));
        var matmul = rec.Graph.Nodes.First(n => n.OpType == "MatMul" && Graph.TryGetConstant(n.Input(1)) is not null);
        Assert.Equal(ChannelAxis.Last, ChannelAxis.Of(matmul));
        var bias = matmul.Output(0)!.Uses.Select(u => u.Node).Single();
        Assert.Equal("Add", bias.OpType);
        Assert.Equal(ChannelAxis.Last, ChannelAxis.Of(bias));
        Assert.Equal(1, ChannelAxis.Of(rec.Graph.Nodes.First(n => n.OpType == "Conv")));
        Assert.Equal(1, ChannelAxis.Of(null));
    }

    // The MatMuls of PP-OCRv4 rec whose weight is a constant: the first, the middle and the last.
    private static List<Node> Targets(Model m)
    {
        var list = m.Graph.TopologicalOrder().Where(n => n.OpType == "MatMul" && Graph.TryGetConstant(n.Input(1)) is { Rank: 2 }).ToList();
        return new List<Node> { list[0], list[list.Count / 2], list[^1] };
    }

    /// <summary>The model with output column <paramref name="column"/> of MatMul <paramref name="node"/>'s weight scaled by 1.01.</summary>
    private static byte[] ColumnChanged(string path, string node, int column)
    {
        using var m = ModelLoader.Load(path);
        var matmul = m.Graph.Nodes.Single(n => n.Name == node);
        var w = Graph.TryGetConstant(matmul.Input(1))!;
        var data = TensorValue.FromTensor(w).AsSpan<float>().ToArray();
        int columns = (int)w.Dims[1];
        for (int i = column; i < data.Length; i += columns) data[i] = (float)(data[i] * ChannelChange.Factor);
        matmul.SetInput(1, m.Graph.AddInitializer($"{node}.changed", Tensor.FromFloats($"{node}.changed", (long[])w.Dims.Clone(), data)));
        return ModelSaver.ToBytes(m);
    }

    [Trait("Category", "Slow")]
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_one_percent_change_of_one_output_column_of_a_matmul_in_pp_ocr_rec_is_named_by_the_per_node_search(bool float16)
    {
        string path = NoiseAwareVerdictTests.PathOf("rec");
        var options = NoiseAwareVerdictTests.Options("rec") with { PerNode = true };
        // The float16 copy (every weight and type cast) is changed in float32 first, then cast like every other weight.
        byte[] Copy(byte[] bytes) => float16 ? Float16Copy.Of(bytes) : bytes;
        var trusted = Copy(File.ReadAllBytes(path));
        Dictionary<string, TensorValue> inputs;
        using (var e = OrtEngine.FromBytes(trusted, "rec")) inputs = ComparisonInputs.Prepare(e.Inputs, options).Values;
        using var original = ModelLoader.Load(trusted, "original");
        var problems = new List<string>();
        foreach (var target in Targets(original))
        {
            // The most active output column (largest sum of squares over the tokens).
            var y = NativeValues.Run(original, new[] { target.Output(0)!.Name }, inputs, OnnxNorm.Runtime.Execution.ExecutionPrecision.Native)[target.Output(0)!.Name];
            int columns = (int)y.Shape[^1];
            var v = y.ToDoubles();
            int column = Enumerable.Range(0, columns).MaxBy(c => Enumerable.Range(0, v.Length / columns).Sum(t => v[t * columns + c] * v[t * columns + c]));
            var changed = Copy(ColumnChanged(path, target.Name, column));
            var r = OrtComparison.Compare(ModelSource.FromBytes(changed, "changed"), ModelSource.FromBytes(trusted, "original"), options);
            if (r.Equivalent || r.FirstDivergence?.Node != target.Name)
                problems.Add($"ort, MatMul '{target.Name}' column {column}: named '{r.FirstDivergence?.Node}'");
            using var a = ModelLoader.Load(changed, "changed");
            var (d, _) = new PerNodeSearch(a, original, "changed", "original", PairEngines.NativeVsNative).Find(inputs, options);
            foreach (var (pair, div) in new[] { ("ort", r.FirstDivergence), ("native", d) })
                output.WriteLine($"{pair}, MatMul '{target.Name}' column {column}: named '{div?.Node}', score {div?.Score?.Score:G3} by {div?.Score?.DecidedBy}{(div?.Isolated == true ? " (alone)" : "")}, {div?.Score?.FloorSetBy}");
            if (d?.Node != target.Name) problems.Add($"native, MatMul '{target.Name}' column {column}: named '{d?.Node}'");
            // Cut along the last axis, the changed column is the channel that decided.
            else if (d.Score is { } s && s.Channel is { } ch && s.ChannelAxis == y.Rank - 1 && ch != column)
                problems.Add($"native, MatMul '{target.Name}': channel {ch} decided, not column {column}");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
