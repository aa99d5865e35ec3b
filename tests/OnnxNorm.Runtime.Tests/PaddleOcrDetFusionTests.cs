using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestModels;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Runtime.Tests;

/// <summary>
/// On PP-OCRv4 det as shipped, the plan folds the per-channel Mul/Add after its Convs and runs its 24 written-out
/// HardSwishes inside the Convs: no Clip or Div step is left, and the map is the unfused plan's within the BN fold's noise.
/// </summary>
public class PaddleOcrDetFusionTests
{
    [Fact]
    public void PaddleOcrDetRunsNoClipOrDivAndFewerAddAndMulStepsAndGivesTheUnfusedMap()
    {
        var shape = new long[] { 1, 3, 96, 128 };
        var feeds = new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromFloats(shape, PageImage.Create(shape, new DeterministicRandom(3))) };
        (double[] Y, Dictionary<string, int> Calls) Run(SessionOptions options)
        {
            var profile = new OperatorProfile();
            using var model = ModelLoader.Load(TestData.Paddle(TestData.PaddleDet));
            var y = NativeSession.Create(model, options with { Profile = profile }).Run(feeds).Values.Single().ToDoubles();
            return (y, profile.Entries.GroupBy(e => e.Op).ToDictionary(g => g.Key, g => g.Sum(e => e.Calls)));
        }
        var (plain, plainCalls) = Run(new SessionOptions { FoldBatchNorm = false, FuseActivations = false });
        var (fused, calls) = Run(SessionOptions.Default);
        Assert.Equal(24, plainCalls["Clip"]);
        Assert.False(calls.ContainsKey("Clip"), "a Clip step is left");
        Assert.False(calls.ContainsKey("Div"), "a Div step is left");
        Assert.True(calls["Add"] <= plainCalls["Add"] - 70, $"Add steps: {calls["Add"]} fused, {plainCalls["Add"]} unfused");
        Assert.True(calls["Mul"] <= plainCalls["Mul"] - 70, $"Mul steps: {calls["Mul"]} fused, {plainCalls["Mul"]} unfused");
        double range = plain.Max() - plain.Min(), worst = plain.Zip(fused, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(range > 1e-3, $"the map is too flat to compare (range {range:G3})");
        Assert.True(worst <= 1e-4 * range, $"max |fused - unfused| {worst:G3} over a range of {range:G4}");
    }
}
