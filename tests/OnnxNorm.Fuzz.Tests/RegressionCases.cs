using OnnxNorm.Ir;
using OnnxNorm.TestModels;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Fuzz.Tests;

/// <summary>Inputs that once broke a verb, kept as fixed cases (each builds its bytes from a seed model and a recipe).</summary>
public class RegressionCases
{
    public static IEnumerable<object[]> Cases() => new[]
    {
        // Subgraph-free model with every tensor's dims turned into 2^20 x 2^20: the size check must refuse quickly.
        new object[] { "convbn_small.onnx", "huge-dims", 1UL },
        new object[] { "convbn_small.onnx", "change-dtype", 3UL },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void KnownBadInputsKeepTheContract(string seedFile, string mutation, ulong seed)
    {
        byte[] bytes = ModelMutator.Apply(mutation, File.ReadAllBytes(TestData.TestModel(seedFile)), new DeterministicRandom(seed));
        string dir = TestData.NewTempDir();
        string input = Path.Combine(dir, "in.onnx");
        File.WriteAllBytes(input, bytes);
        var seedInfo = FuzzSeed.Named("convbn_small");
        string calibration = seedInfo.WriteCalibrationData(TestData.NewTempDir());
        foreach (var (args, output) in FuzzVerbs.For(input, dir, seedInfo, calibration))
            Assert.Null(FuzzHarness.Check(dir, input, bytes, args, output));
    }
}
