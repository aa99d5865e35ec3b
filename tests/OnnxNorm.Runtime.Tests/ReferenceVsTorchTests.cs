using OnnxNorm.Ir;
using OnnxNorm.Runtime.Data;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Runtime.Tests;

/// <summary>
/// The float64 reference mode against PyTorch's own float64 evaluation of the exported module (the real-model corpus,
/// eval and no-constant-folding exports): it must sit far closer to torch's double result than the float32 executor,
/// within float32-constant effects of the export (e.g. HardSigmoid's 1/6 stored as a float attribute).
/// </summary>
public sealed class ReferenceVsTorchTests
{
    // The float64 reference runs plain double loops: these exports take 18-80 s each on a loaded 2-core machine, so
    // they run in the full suite (Category=Slow); the fast loop keeps every other export (ResNet-18 without constant
    // folding, the MobileNets, DeepLabV3 and the small models).
    private static readonly HashSet<string> Largest =
        ["convnext_tiny.eval", "r3d_18.eval", "resnet50.eval", "resnet18.eval", "densenet121.eval", "efficientnet_b0.eval"];

    private static IEnumerable<CorpusModelId> AllExports() =>
        RealModelCorpus.All.Where(m => m.Variant is "eval" or "nofold").Select(m => new CorpusModelId(m.Id));

    public static IEnumerable<object[]> Exports() => AllExports().Where(e => !Largest.Contains(e.Id)).Select(e => new object[] { e.Id });

    public static IEnumerable<object[]> LargestExports() => AllExports().Where(e => Largest.Contains(e.Id)).Select(e => new object[] { e.Id });

    private readonly record struct CorpusModelId(string Id);

    private static double RmsError(TensorValue x, double[] r)
    {
        var v = x.ToDoubles();
        double s = 0;
        for (int i = 0; i < v.Length; i++) s += (v[i] - r[i]) * (v[i] - r[i]);
        return Math.Sqrt(s / v.Length);
    }

    [Fact]
    public void Every_export_named_as_largest_is_in_the_corpus() =>
        Assert.Equal(Largest.Order(), LargestExports().Select(e => (string)e[0]).Order());

    [Theory]
    [MemberData(nameof(Exports))]
    public void The_float64_reference_matches_torch_float64_far_better_than_float32(string id) => Check(id);

    [Trait("Category", "Slow")]
    [Theory]
    [MemberData(nameof(LargestExports))]
    public void The_float64_reference_matches_torch_float64_far_better_than_float32_on_the_largest_models(string id) => Check(id);

    private static void Check(string id)
    {
        var m = RealModelCorpus.ById(id);
        var input = NpyFile.Read(m.InputPath);
        var torch = NpyFile.Read(m.ReferencePath).ToDoubles();
        using var model = ModelLoader.Load(m.Path);
        var feeds = new Dictionary<string, TensorValue> { [m.InputName] = input };
        var f64 = NativeSession.Create(model, new SessionOptions { Precision = ExecutionPrecision.Float64 }).Run(feeds)[m.OutputName];
        var f32 = NativeSession.Create(model, new SessionOptions { Threads = 2 }).Run(feeds)[m.OutputName];
        Assert.Equal(ElementType.Double, f64.ElementType);
        double scale = Math.Sqrt(torch.Sum(v => v * v) / torch.Length);
        double e64 = RmsError(f64, torch), e32 = RmsError(f32, torch);
        Assert.True(e64 <= 1e-6 * scale && e64 <= 0.25 * e32, $"{id}: rms error vs torch float64 {e64:G3} (float32 executor {e32:G3}, output rms {scale:G3})");
    }
}
