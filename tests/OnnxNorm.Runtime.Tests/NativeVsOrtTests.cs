using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Ort;
using OnnxNorm.TestModels;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Runtime.Tests;

/// <summary>
/// The native executor against ONNX Runtime (graph optimisations off, one thread) on real CNNs: every output
/// must agree within 1e-4 of that output's range (max |native − ort| / (max − min of ort)).
/// </summary>
public class NativeVsOrtTests
{
    public const double MaxRelativeToRange = 1e-4;

    /// <summary>A page-like image (see <see cref="TestSupport.PageImage"/>).</summary>
    public static float[] PageImage(long[] shape, DeterministicRandom rng) => TestSupport.PageImage.Create(shape, rng);

    public static (double Worst, string Report) Compare(string modelPath, long[] inputShape, ulong seed = 3, bool page = false, int threads = 1)
    {
        using var model = ModelLoader.Load(modelPath);
        var native = NativeSession.Create(model, new SessionOptions { Threads = threads });
        using var ort = OrtSession.FromFile(modelPath, new OrtSessionOptions { IntraOpThreads = 1, InterOpThreads = 1 });
        var input = native.RequiredInputs.Single();
        var rng = new DeterministicRandom(seed);
        var x = TensorValue.FromFloats(inputShape, page ? PageImage(inputShape, rng)
            : rng.Uniforms(TensorValue.ElementCount(inputShape), -1, 1).Select(v => (float)v).ToArray());
        var feeds = new Dictionary<string, TensorValue> { [input.Name] = x };
        var a = native.Run(feeds);
        var b = ort.Run(feeds);
        double worst = 0;
        var lines = new List<string>();
        foreach (var (name, expected) in b)
        {
            var actual = a[name];
            Assert.Equal(expected.Shape, actual.Shape);
            var e = expected.ToDoubles();
            var v = actual.ToDoubles();
            double range = e.Max() - e.Min();
            double maxAbs = 0;
            for (int i = 0; i < e.Length; i++) maxAbs = Math.Max(maxAbs, Math.Abs(e[i] - v[i]));
            Assert.DoesNotContain(v, double.IsNaN);
            // A flat output would make the comparison meaningless.
            Assert.True(range > 1e-3, $"{name}: output range {range:G3} is too flat to compare");
            double rel = maxAbs / range;
            worst = Math.Max(worst, rel);
            lines.Add($"{name}: [{string.Join(',', expected.Shape)}] max |diff| {maxAbs:G3}, range {range:G4}, relative {rel:G3}");
        }
        return (worst, string.Join("; ", lines));
    }

    [Theory]
    [InlineData(TestData.PaddleCls, new long[] { 1, 3, 48, 192 })]
    [InlineData(TestData.PaddleDet, new long[] { 1, 3, 96, 128 })]
    [InlineData(TestData.PaddleRec, new long[] { 1, 3, 48, 160 })]
    public void PaddleOcr_models_match_ort(string file, long[] shape)
    {
        // Page-like images, so the detector's map is not all zeros (noise gives a flat map, range ~1e-7).
        var (worst, report) = Compare(TestData.Paddle(file), shape, page: true);
        Assert.True(worst <= MaxRelativeToRange, report);
    }

    [Fact]
    public void PaddleOcr_rec_with_two_threads_matches_ort()
    {
        // Large enough (48x640) that elementwise ops and BN split across threads too.
        var (worst, report) = Compare(TestData.Paddle(TestData.PaddleRec), new long[] { 1, 3, 48, 640 }, page: true, threads: 2);
        Assert.True(worst <= MaxRelativeToRange, report);
    }

    [Fact]
    public void ConvBnSmall_matches_ort() =>
        AssertClose(TestData.TestModel("convbn_small.onnx"), new long[] { 2, 3, 32, 32 });

    [Fact]
    public void ResNet18_class_model_matches_ort() =>
        AssertClose(TestData.ResNet18Like, new long[] { 1, 3, 224, 224 });

    private static void AssertClose(string path, long[] shape)
    {
        var (worst, report) = Compare(path, shape);
        Assert.True(worst <= MaxRelativeToRange, report);
    }
}
