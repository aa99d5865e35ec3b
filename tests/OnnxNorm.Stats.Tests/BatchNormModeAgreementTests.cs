using OnnxNorm.Ir;
using OnnxNorm.Passes;
using OnnxNorm.Runtime;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Workflows.Statistics;
using OnnxNorm.TestModels;

namespace OnnxNorm.Stats.Tests;

/// <summary>
/// Every BN form, asked of every layer that decides training vs inference: the folding pass, the executor's BN
/// kernel, the executor's plan-time Conv+BN fold and the statistics code must agree with each other and with
/// the spec (BN-6: is_test; BN-7..13: the number of outputs; BN-14+: training_mode). They used to disagree on a
/// BN-6 with is_test=0 and one output: refused as training by the pass, run and folded as inference by the
/// executor.
/// </summary>
public class BatchNormModeAgreementTests
{
    public static TheoryData<long, long?, long?, int, bool> Forms => new()
    {
        // opset, is_test, training_mode, outputs, training per the spec
        { 6, 1, null, 1, false },
        { 6, null, null, 1, true },     // is_test defaults to 0: batch statistics
        { 6, 0, null, 1, true },
        { 9, null, null, 1, false },
        { 9, null, null, 3, true },     // BN-7..13 compute batch statistics when they have the running outputs
        { 15, null, 0, 1, false },
        { 15, null, 1, 1, true },
        { 15, null, 1, 3, true },
    };

    private static readonly double[] Gamma = { 1.5, 0.5, 2.0 }, Beta = { 0.1, -0.2, 0.3 }, Mean = { 0.5, -1.0, 2.0 }, Var = { 4.0, 0.25, 1.0 };
    private const float Eps = 1e-5f;

    private static ModelBuilder ConvBn(long opset, long? isTest, long? trainingMode, int outputs)
    {
        var b = new ModelBuilder(opset: opset, irVersion: 7, graphName: "bn_form");
        b.Input("x", ElementType.Float, 4, 3, 2, 2);
        // An identity 1x1 Conv, so the BN sees x itself and the plan-time Conv+BN fold has a Conv to fold into.
        var w = b.Initializer("w", ElementType.Float, new long[] { 3, 3, 1, 1 }, new double[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 });
        b.Node("Conv", new[] { "x", w }, new[] { "c" }, "conv", ("kernel_shape", new long[] { 1, 1 }));
        var inputs = new[] { "c", b.Initializer("gamma", ElementType.Float, new long[] { 3 }, Gamma),
            b.Initializer("beta", ElementType.Float, new long[] { 3 }, Beta),
            b.Initializer("mean", ElementType.Float, new long[] { 3 }, Mean),
            b.Initializer("var", ElementType.Float, new long[] { 3 }, Var) };
        var outs = new List<string> { "y" };
        for (int i = 1; i < outputs; i++) outs.Add($"extra{i}");
        var attrs = new List<(string, object)> { ("epsilon", Eps) };
        if (isTest is long t) attrs.Add(("is_test", t));
        if (trainingMode is long m) attrs.Add(("training_mode", m));
        b.Node("BatchNormalization", inputs, outs.ToArray(), "bn", attrs.ToArray());
        b.Output("y", ElementType.Float, 4, 3, 2, 2);
        return b;
    }

    private static float[] Input()
    {
        // Batch statistics far from the running ones, so the two modes give very different outputs.
        var x = new float[48];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(3 * Math.Sin(i * 0.7) + 5);
        return x;
    }

    /// <summary>The spec's formula, written out here: per channel over N, H, W.</summary>
    private static double[] Expected(float[] x, bool training)
    {
        var y = new double[x.Length];
        for (int c = 0; c < 3; c++)
        {
            var idx = Enumerable.Range(0, 4).SelectMany(n => Enumerable.Range(0, 4).Select(s => (n * 3 + c) * 4 + s)).ToArray();
            double mean = training ? idx.Average(i => (double)x[i]) : Mean[c];
            double var = training ? idx.Average(i => (x[i] - mean) * (x[i] - mean)) : Var[c];
            foreach (int i in idx) y[i] = (x[i] - mean) / Math.Sqrt(var + Eps) * Gamma[c] + Beta[c];
        }
        return y;
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void Every_layer_decides_the_bn_mode_the_way_the_spec_does(long opset, long? isTest, long? trainingMode, int outputs, bool training)
    {
        var b = ConvBn(opset, isTest, trainingMode, outputs);
        using var model = ModelLoader.Load(b.ToBytes(), "bn_form.onnx");
        var bn = model.Graph.Nodes.Single(n => n.OpType == "BatchNormalization");

        Assert.Equal(training, BatchNormMode.Of(bn).IsTraining);

        // The folding pass refuses exactly the training forms, with the training-mode code.
        FoldBatchNorm.TryPlan(bn, out var refusal);
        Assert.Equal(training, refusal?.Code == FoldRefusalCodes.TrainingMode);

        // The statistics code measures exactly the inference forms.
        var skipped = new List<string>();
        var layers = BatchNormLayer.InMainGraph(model, skipped);
        Assert.Equal(training ? 0 : 1, layers.Count);

        // The executor computes the mode's formula, with and without its plan-time Conv+BN fold.
        var x = Input();
        var expected = Expected(x, training);
        foreach (bool fold in new[] { false, true })
        {
            var session = NativeSession.Create(model, new SessionOptions { Threads = 1, FoldBatchNorm = fold });
            var y = session.Run(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromFloats(new long[] { 4, 3, 2, 2 }, x) })["y"].ToDoubles();
            for (int i = 0; i < y.Length; i++)
                Assert.True(Math.Abs(y[i] - expected[i]) <= 1e-4 * (1 + Math.Abs(expected[i])),
                    $"fold={fold}, element {i}: {y[i]} vs the {(training ? "training" : "inference")} formula's {expected[i]}");
        }
    }
}
