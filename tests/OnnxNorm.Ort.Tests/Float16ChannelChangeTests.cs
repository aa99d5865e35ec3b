using OnnxNorm.Ir;
using OnnxNorm.Runtime;
using OnnxNorm.Runtime.Data;
using OnnxNorm.Runtime.Engines;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Workflows.Comparison;
using OnnxNorm.Workflows.Comparison.NoiseAware;
using Xunit.Abstractions;

namespace OnnxNorm.Ort.Tests;

/// <summary>
/// The noise-aware verdict on float16 copies of PaddleOCR cls and the ResNet-18-class model, where the model's own
/// float16 rounding sets the floor: a 1% change of one channel is named by the per-node search (scored per channel),
/// and an unchanged model raises no alarm anywhere inside, for native vs ORT as for float32 models.
/// </summary>
public sealed class Float16ChannelChangeTests(ITestOutputHelper output)
{
    [Trait("Category", "Slow")]
    [Theory]
    [InlineData("cls")]
    [InlineData("resnet")]
    public void A_one_percent_change_of_one_channel_in_a_float16_model_is_named_by_the_per_node_search(string model)
    {
        string path = NoiseAwareVerdictTests.PathOf(model);
        var options = NoiseAwareVerdictTests.Options(model) with { PerNode = true };
        var fp16 = Float16Copy.Of(path);
        Dictionary<string, TensorValue> inputs;
        using (var e = OrtEngine.FromBytes(fp16, "fp16")) inputs = ComparisonInputs.Prepare(e.Inputs, options).Values;
        var problems = new List<string>();
        int named = 0;
        // The targets are chosen on the float32 model (the float16 copy has the same nodes); the change is planted in
        // float32 and the copy rounds it to float16 like every other weight.
        foreach (var (position, node, channel) in ChannelChange.Targets(path, inputs))
        {
            var changed = Float16Copy.Of(ChannelChange.InWeights(path, node, channel));
            void Check(string pair, NodeDivergence? d, bool equivalent)
            {
                string seen = $"{pair}, {position} Conv '{node}' channel {channel}: named '{d?.Node}' (score {d?.Score?.Score:G3} by {d?.Score?.DecidedBy}{(d?.Isolated == true ? ", the node alone" : "")}, {d?.Score?.FloorSetBy})";
                output.WriteLine(seen);
                if (d?.Node != node || equivalent) problems.Add(seen);
                else named++;
            }
            // Both models on ONNX Runtime: the verdict with --per-node.
            var r = OrtComparison.Compare(ModelSource.FromBytes(changed, "changed"), ModelSource.FromBytes(fp16, "fp16"), options);
            Check("ort", r.FirstDivergence, r.Equivalent);
            // Both models on the native executor.
            using var a = ModelLoader.Load(changed, "changed");
            using var b = ModelLoader.Load(fp16, "fp16");
            var (dn, _) = new PerNodeSearch(a, b, "changed", "original", PairEngines.NativeVsNative).Find(inputs, options);
            Check("native", dn, dn is null);
            // Native vs ORT on the unchanged model, the native Conv kernel broken by 1% in that channel.
            var (dk, _) = new PerNodeSearch(b, b, "native", "ort", PairEngines.NativeVsOrt, ChannelChange.BrokenKernel(node, channel)).Find(inputs, options);
            Check("native vs ort", dk, dk is null);
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Equal(12, named);
    }

    // PaddleOCR cls was the hard case: its classifier MatMul is [1,2], so its floor rests on two numbers, and native vs
    // ORT scored 6.2 there (10-13 in the float16 copy) because ORT's own rounding happened to cancel its inherited
    // error in one of them (over 16 runs the MatMul error rms has median 3.1e-7 native, 4.2e-7 ORT). Two fixes, both
    // measured 2026-11-30: native BN no longer rounds its per-channel scale and shift to float (a bias of up to 0.28
    // of the rms per channel; BatchNormalizationBiasTests), and tensors of fewer than 32 numbers divide their ratios
    // by sqrt(32/n) (NoiseAwareRule.SmallSample).
    public static IEnumerable<object[]> Models() => new[]
    {
        new object[] { "cls", false }, new object[] { "cls", true }, new object[] { "det", false }, new object[] { "rec", false }, new object[] { "rec", true },
        new object[] { "resnet", false }, new object[] { "resnet", true },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Per_node_search_of_native_against_ort_finds_no_divergence_in_an_unchanged_model(string model, bool float16)
    {
        // Every intermediate value scored, per channel too: plain float reordering (and float16 rounding in the copies)
        // must stay under the threshold in every channel of every value.
        string path = NoiseAwareVerdictTests.PathOf(model);
        var bytes = float16 ? Float16Copy.Of(path) : File.ReadAllBytes(path);
        foreach (var (seed, distribution) in new[] { (0UL, FloatDistribution.Normal), (1UL, FloatDistribution.Uniform) })
        {
            var options = NoiseAwareVerdictTests.Options(model, seed, distribution) with { PerNode = true };
            Dictionary<string, TensorValue> inputs;
            using (var e = OrtEngine.FromBytes(bytes, "m")) inputs = ComparisonInputs.Prepare(e.Inputs, options).Values;
            using var m = ModelLoader.Load(bytes, "m");
            var (d, _) = new PerNodeSearch(m, m, "native", "ort", PairEngines.NativeVsOrt).Find(inputs, options);
            Assert.True(d is null, $"seed {seed}, {distribution}: named '{d?.Node}' ({d?.Output}): score {d?.Score?.Score:G3}, error rms {d?.Score?.ErrorRms:G3}, floor rms {d?.Score?.FloorRms:G3} set by {d?.Score?.FloorSetBy}; sources {string.Join(", ", d?.Score?.NoiseSources.Select(kv => $"{kv.Key} {kv.Value[0]:G3}/{kv.Value[1]:G3}") ?? [])}; max {d?.Score?.ErrorMax:G3}/{d?.Score?.FloorMax:G3}; {d?.Metrics.MaxAbs:G3}");
        }
    }
}
