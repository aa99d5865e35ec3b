using OnnxNorm.Ir;
using OnnxNorm.Passes;
using OnnxNorm.Runtime;
using OnnxNorm.Workflows.Comparison;
using OnnxNorm.Workflows.Comparison.NoiseAware;
using OnnxNorm.Runtime.Data;
using OnnxNorm.Runtime.Engines;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Ort;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Ort.Tests;

/// <summary>
/// The noise-aware verdict on real models (PaddleOCR cls/det/rec, the ResNet-18-class model): no alarm where only the
/// order of float operations differs (native vs ORT, folded vs original), and an alarm, with the layer named, for a
/// 1% change of one channel of one layer, wherever the layer sits.
/// </summary>
public sealed class NoiseAwareVerdictTests
{
    public static IEnumerable<object[]> Models() => new[] { new object[] { "cls" }, new object[] { "det" }, new object[] { "rec" }, new object[] { "resnet" } };

    // The ResNet-18-class model at 224x224 costs 25-65 s per test here (its float64 reference runs dominate): the fast
    // loop checks the verdicts on the three PaddleOCR models, the full suite (Category=Slow) on ResNet too.
    public static IEnumerable<object[]> PaddleModels() => Models().Where(m => (string)m[0] != "resnet");

    internal static string PathOf(string model) => model switch
    {
        "cls" => TestData.Paddle(TestData.PaddleCls),
        "det" => TestData.Paddle(TestData.PaddleDet),
        "rec" => TestData.Paddle(TestData.PaddleRec),
        _ => TestData.ResNet18Like,
    };

    internal static ShapeOverrides ShapeOf(string model) => model switch
    {
        "cls" => ShapeOverrides.Parse(new[] { "x=1x3x48x192" }),
        "det" => ShapeOverrides.Parse(new[] { "x=1x3x96x128" }),
        "rec" => ShapeOverrides.Parse(new[] { "x=1x3x48x160" }),
        _ => ShapeOverrides.Empty,
    };

    internal static ComparisonOptions Options(string model, ulong seed = 0, FloatDistribution distribution = FloatDistribution.Normal) => new()
    {
        Seed = seed,
        Distribution = distribution,
        Shapes = ShapeOf(model),
        Rule = EquivalenceRule.NoiseAware,
        Session = new OrtSessionOptions { OptimizationLevel = GraphOptimizationLevel.Disabled, IntraOpThreads = 1, InterOpThreads = 1 },
    };

    internal static string Describe(ComparisonReport r) =>
        string.Join("; ", r.Scores.Select(kv => $"{kv.Key}: score {kv.Value.Score:G3} (error rms {kv.Value.ErrorRms:G3} max {kv.Value.ErrorMax:G3}, floor rms {kv.Value.FloorRms:G3} max {kv.Value.FloorMax:G3} by {kv.Value.FloorSetBy})"));

    [Trait("Category", "Slow")]
    [Fact]
    public void Native_against_ort_raises_no_alarm_over_three_seeds_and_two_input_distributions_on_the_resnet18_class_model() =>
        Native_against_ort_raises_no_alarm_over_three_seeds_and_two_input_distributions("resnet");

    [Theory]
    [MemberData(nameof(PaddleModels))]
    public void Native_against_ort_raises_no_alarm_over_three_seeds_and_two_input_distributions(string model)
    {
        string path = PathOf(model);
        using var native = NativeEngine.FromFile(path, new SessionOptions { Threads = 2 });
        using var ort = OrtEngine.FromFile(path, Options(model).Session);
        using var reference = ReferenceRuns.For(ModelSource.FromFile(path));
        foreach (ulong seed in new ulong[] { 0, 1, 2 })
            foreach (var distribution in new[] { FloatDistribution.Normal, FloatDistribution.Uniform })
            {
                var r = EngineComparison.Compare(native, ort, "native", "ort", Options(model, seed, distribution), out _, reference);
                Assert.True(r.Equivalent, $"seed {seed}, {distribution}: {Describe(r)}");
                Assert.All(r.Scores.Values, s => Assert.True(s.Score < 3, $"seed {seed}, {distribution}: {Describe(r)}"));
            }
    }

    [Trait("Category", "Slow")]
    [Fact]
    public void A_folded_resnet18_class_model_against_its_original_raises_no_alarm() => A_folded_model_against_its_original_raises_no_alarm("resnet");

    [Theory]
    [MemberData(nameof(PaddleModels))]
    public void A_folded_model_against_its_original_raises_no_alarm(string model)
    {
        string path = PathOf(model);
        using var m = ModelLoader.Load(path);
        PassPipeline.FromNames(PassRegistry.DefaultPipeline).Run(m);
        Assert.DoesNotContain(m.Graph.Nodes, n => n.OpType == "BatchNormalization" && n.Input(0)?.Producer?.OpType == "Conv");
        var folded = ModelSaver.ToBytes(m);
        foreach (ulong seed in new ulong[] { 0, 1, 2 })
        {
            var r = OrtComparison.Compare(ModelSource.FromBytes(folded, "folded"), ModelSource.FromFile(path), Options(model, seed));
            Assert.True(r.Equivalent, $"seed {seed}: {Describe(r)}");
        }
    }

    private static Dictionary<string, TensorValue> Inputs(string model)
    {
        using var engine = OrtEngine.FromFile(PathOf(model));
        return ComparisonInputs.Prepare(engine.Inputs, ChangeOptions(model)).Values;
    }

    // On random noise the detector's map saturates to ~1e-11, below ONNX Runtime's own Sigmoid error (~1e-7): on ORT no
    // output-level check can see a change there (the per-node search still can). A page-like image is what the model is for.
    private static ComparisonOptions ChangeOptions(string model)
    {
        var options = Options(model) with { PerNode = true };
        if (model != "det") return options;
        long[] shape = { 1, 3, 96, 128 };
        var page = TensorValue.FromFloats(shape, TestSupport.PageImage.Create(shape, new DeterministicRandom(3)));
        return options with { Inputs = new Dictionary<string, TensorValue> { ["x"] = page } };
    }

    // Minutes on this machine: left to the full ./test.sh, out of the --fast loop.
    [Trait("Category", "Slow")]
    [Theory]
    [MemberData(nameof(Models))]
    public void A_one_percent_change_of_one_channel_is_caught_and_named_wherever_the_layer_sits(string model)
    {
        string path = PathOf(model);
        var options = ChangeOptions(model);
        var missed = new List<string>();
        foreach (var (position, node, channel) in ChannelChange.Targets(path, Inputs(model)))
        {
            var changed = ChannelChange.InWeights(path, node, channel);
            // Both models in ONNX Runtime (compare's default engine).
            var r = OrtComparison.Compare(ModelSource.FromBytes(changed, "changed"), ModelSource.FromFile(path), options);
            if (r.Equivalent) missed.Add($"ort, {position} Conv '{node}' channel {channel}: {Describe(r)}");
            if (r.FirstDivergence?.Node != node) missed.Add($"ort, {position} Conv '{node}': per-node named '{r.FirstDivergence?.Node}'");
            // Both models on the native executor.
            using var a = ModelLoader.Load(changed, "changed");
            using var b = ModelLoader.Load(path);
            using var na = new NativeEngine(ModelLoader.Load(changed, "changed"));
            using var nb = NativeEngine.FromFile(path);
            using var reference = ReferenceRuns.For(ModelSource.FromFile(path));
            var rn = EngineComparison.Compare(na, nb, "changed", "original", options, out var used, reference);
            if (rn.Equivalent) missed.Add($"native, {position} Conv '{node}' channel {channel}: {Describe(rn)}");
            var (d, _) = new PerNodeSearch(a, b, "changed", "original", PairEngines.NativeVsNative).Find(used, options);
            if (d?.Node != node) missed.Add($"native, {position} Conv '{node}': per-node named '{d?.Node}'");
        }
        Assert.True(missed.Count == 0, string.Join("\n", missed));
    }

    // Minutes on this machine: left to the full ./test.sh, out of the --fast loop.
    [Trait("Category", "Slow")]
    [Theory]
    [MemberData(nameof(Models))]
    public void A_native_kernel_wrong_by_one_percent_in_one_channel_is_caught_against_ort_and_named(string model)
    {
        // Native vs ORT on one model can only disagree through the executor: a test-only registry override runs one
        // Conv with a kernel that is 1% off in one channel, and the search must name that Conv.
        string path = PathOf(model);
        var options = ChangeOptions(model);
        var missed = new List<string>();
        foreach (var (position, node, channel) in ChannelChange.Targets(path, Inputs(model)))
        {
            var registry = ChannelChange.BrokenKernel(node, channel);
            using var native = new NativeEngine(ModelLoader.Load(path), new SessionOptions { Threads = 2 }, registry);
            using var ort = OrtEngine.FromFile(path, options.Session);
            using var reference = ReferenceRuns.For(ModelSource.FromFile(path));
            var r = EngineComparison.Compare(native, ort, "native", "ort", options, out var used, reference);
            if (r.Equivalent) missed.Add($"{position} Conv '{node}' channel {channel}: {Describe(r)}");
            using var m = ModelLoader.Load(path);
            var (d, _) = new PerNodeSearch(m, m, "native", "ort", PairEngines.NativeVsOrt, registry).Find(used, options);
            if (d?.Node != node) missed.Add($"{position} Conv '{node}': per-node named '{d?.Node}'");
        }
        Assert.True(missed.Count == 0, string.Join("\n", missed));
    }

    [Trait("Category", "Slow")]
    [Fact]
    public void Native_against_ort_on_a_float16_resnet18_class_model_raises_no_alarm_and_the_declared_precision_sets_the_floor() =>
        Native_against_ort_on_a_float16_model_raises_no_alarm_and_the_declared_precision_sets_the_floor("resnet");

    [Theory]
    [InlineData("cls")]
    public void Native_against_ort_on_a_float16_model_raises_no_alarm_and_the_declared_precision_sets_the_floor(string model)
    {
        // ORT computes much of a float16 model in float32; the native executor rounds every node to float16 as declared.
        var fp16 = Float16Copy.Of(PathOf(model));
        using var native = new NativeEngine(ModelLoader.Load(fp16, "fp16"), new SessionOptions { Threads = 2 });
        using var ort = OrtEngine.FromBytes(fp16, "fp16", Options(model).Session);
        using var reference = ReferenceRuns.For(ModelSource.FromBytes(fp16, "fp16"));
        Assert.NotNull(reference.Declared);
        foreach (ulong seed in new ulong[] { 0, 1, 2 })
        {
            var r = EngineComparison.Compare(native, ort, "native", "ort", Options(model, seed), out _, reference);
            Assert.True(r.Equivalent, $"seed {seed}: {Describe(r)}");
            Assert.All(r.Scores.Values, s => Assert.Contains("declared-type rounding", s.NoiseSources.Keys));
        }
    }

    // The torchvision and pattern exports of the real-model corpus (eval mode), each with its own input shape.
    public static IEnumerable<object[]> CorpusModels() => RealModelCorpus.Variant("eval").Select(m => new object[] { m.Id });

    private static ComparisonOptions CorpusOptions(CorpusModel m, ulong seed = 0, FloatDistribution distribution = FloatDistribution.Normal) =>
        Options("resnet", seed, distribution) with { Shapes = ShapeOverrides.Parse(new[] { $"{m.InputName}={string.Join('x', m.InputShape)}" }) };

    // Minutes on this machine: left to the full ./test.sh, out of the --fast loop.
    [Trait("Category", "Slow")]
    [Theory]
    [MemberData(nameof(CorpusModels))]
    public void Native_against_ort_raises_no_alarm_on_the_corpus_over_three_seeds_and_two_distributions(string id)
    {
        var m = RealModelCorpus.ById(id);
        using var native = NativeEngine.FromFile(m.Path, new SessionOptions { Threads = 2 });
        using var ort = OrtEngine.FromFile(m.Path, Options("resnet").Session);
        using var reference = ReferenceRuns.For(ModelSource.FromFile(m.Path));
        foreach (ulong seed in new ulong[] { 0, 1, 2 })
            foreach (var distribution in new[] { FloatDistribution.Normal, FloatDistribution.Uniform })
            {
                var r = EngineComparison.Compare(native, ort, "native", "ort", CorpusOptions(m, seed, distribution), out _, reference);
                Assert.True(r.Equivalent, $"{id} seed {seed}, {distribution}: {Describe(r)}");
            }
    }

    public static IEnumerable<object[]> CorpusModelsWithConv() => RealModelCorpus.Variant("eval")
        .Where(m => { using var model = ModelLoader.Load(m.Path); return model.Graph.Nodes.Any(n => n.OpType == "Conv"); })
        .Select(m => new object[] { m.Id });

    // Changes measured (2026-11-29) not to be caught at the output, with the reason; every other target must be caught.
    private static readonly Dictionary<(string Model, string Position), string> KnownMisses = new()
    {
        // ConvNeXt's layer scale is 1e-6 in an untrained export: a block's branch is ~1e-6 of the residual stream, so a
        // 1% change inside it moves the output by ~1e-8, below float32 resolution (scores 0.86-1.0).
        [("convnext_tiny.eval", "middle")] = "layer scale 1e-6",
        [("convnext_tiny.eval", "last")] = "layer scale 1e-6",
        [("convnext_tiny.eval", "tiniest output")] = "layer scale 1e-6",
        // An InstanceNormalization follows: it divides each channel by its own spread, so scaling one channel is no change.
        [("groupnorm_instancenorm.eval", "middle")] = "cancelled by InstanceNormalization",
    };

    // Minutes on this machine: left to the full ./test.sh, out of the --fast loop.
    [Trait("Category", "Slow")]
    [Theory]
    [MemberData(nameof(CorpusModelsWithConv))]
    public void A_one_percent_change_of_one_channel_is_caught_in_every_corpus_model(string id)
    {
        // The verdict on ORT and on the native executor; naming the layer is checked on the four models above (a search
        // through a whole DenseNet in float64, chunk by chunk, takes tens of minutes on this machine).
        var m = RealModelCorpus.ById(id);
        var options = CorpusOptions(m);
        Dictionary<string, TensorValue> inputs;
        using (var e = OrtEngine.FromFile(m.Path)) inputs = ComparisonInputs.Prepare(e.Inputs, options).Values;
        var missed = new List<string>();
        using var reference = ReferenceRuns.For(ModelSource.FromFile(m.Path));
        using var nb = NativeEngine.FromFile(m.Path, new SessionOptions { Threads = 2 });
        using var ob = OrtEngine.FromFile(m.Path, options.Session);
        foreach (var (position, node, channel) in ChannelChange.Targets(m.Path, inputs))
        {
            if (KnownMisses.ContainsKey((id, position))) continue;
            var changed = ChannelChange.InWeights(m.Path, node, channel);
            using var oa = OrtEngine.FromBytes(changed, "changed", options.Session);
            var r = EngineComparison.Compare(oa, ob, "changed", "original", options, out _, reference);
            if (r.Equivalent) missed.Add($"ort, {position} Conv '{node}' channel {channel}: {Describe(r)}");
            using var na = new NativeEngine(ModelLoader.Load(changed, "changed"), new SessionOptions { Threads = 2 });
            var rn = EngineComparison.Compare(na, nb, "changed", "original", options, out _, reference);
            if (rn.Equivalent) missed.Add($"native, {position} Conv '{node}' channel {channel}: {Describe(rn)}");
        }
        Assert.True(missed.Count == 0, string.Join("\n", missed));
    }

    // Minutes on this machine: left to the full ./test.sh, out of the --fast loop.
    [Trait("Category", "Slow")]
    [Theory]
    [InlineData("resnet50.eval")]
    [InlineData("densenet121.eval")]
    public void Per_node_search_names_the_changed_last_conv_of_a_deep_corpus_model(string id)
    {
        // ResNet-50's last Conv is the change the outputs show least (one channel of 2048 averaged into the logits); at
        // the Conv itself it is 1% of a channel, far over its floor. DenseNet-121 has the most values to search.
        var m = RealModelCorpus.ById(id);
        var options = CorpusOptions(m) with { PerNode = true };
        Dictionary<string, TensorValue> inputs;
        using (var e = OrtEngine.FromFile(m.Path)) inputs = ComparisonInputs.Prepare(e.Inputs, options).Values;
        var (_, node, channel) = ChannelChange.Targets(m.Path, inputs).Single(t => t.Position == "last");
        var r = OrtComparison.Compare(ModelSource.FromBytes(ChannelChange.InWeights(m.Path, node, channel), "changed"), ModelSource.FromFile(m.Path), options);
        Assert.False(r.Equivalent, Describe(r));
        Assert.True(r.FirstDivergence?.Node == node, $"named '{r.FirstDivergence?.Node}', changed '{node}'");
    }
}
