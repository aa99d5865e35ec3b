using OnnxNorm.Ir;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Cli.Tests;

public class LimitsCommandTests
{
    [Fact]
    public void TensorCapFromTheEnvironmentAppliesToEveryVerb()
    {
        // convbn_small's largest tensor is the down conv's 32x16x3x3 float weight (18,432 bytes): a 4 KB cap refuses it.
        string model = TestData.TestModel("convbn_small.onnx");
        var env = new Dictionary<string, string> { [LoadLimits.MaxTensorBytesVariable] = "4096" };
        CliAssert.BadInput(OnnxnormProcess.RunWithEnvironment(env, "inspect", model), "over the 4,096-byte limit");
        Assert.Equal(0, OnnxnormProcess.Run("inspect", model).ExitCode);
    }
}
