using OnnxNorm.Ir;
using OnnxNorm.Runtime;
using OnnxNorm.Runtime.Data;
using OnnxNorm.TestModels;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Fuzz.Tests;

/// <summary>A model the fuzzer mutates, with the input shape that lets the executing verbs actually run it.</summary>
public sealed record FuzzSeed(string Name, string Path, string InputName, long[] InputShape, int DefaultCases)
{
    public static IEnumerable<FuzzSeed> All()
    {
        yield return new FuzzSeed("convbn_small", TestData.TestModel("convbn_small.onnx"), "input", new long[] { 2, 3, 32, 32 }, 1000);
        yield return new FuzzSeed("paddle_cls", TestData.Paddle(TestData.PaddleCls), "x", new long[] { 1, 3, 48, 192 }, 700);
        yield return new FuzzSeed("paddle_det", TestData.Paddle(TestData.PaddleDet), "x", new long[] { 1, 3, 64, 64 }, 150);
        yield return new FuzzSeed("paddle_rec", TestData.Paddle(TestData.PaddleRec), "x", new long[] { 1, 3, 48, 64 }, 150);
    }

    public static FuzzSeed Named(string name) => All().Single(s => s.Name == name);

    public string ShapeArgument => $"{InputName}={string.Join('x', InputShape)}";

    /// <summary>Calibration data for check-stats: one random batch of the seed's input shape.</summary>
    public string WriteCalibrationData(string dir)
    {
        string path = System.IO.Path.Combine(dir, "calibration.npy");
        var rng = new DeterministicRandom(5);
        int n = TensorValue.ElementCount(InputShape);
        var data = new float[n];
        for (int i = 0; i < n; i++) data[i] = (float)rng.Normal();
        NpyFile.Write(path, TensorValue.FromFloats(InputShape, data));
        return path;
    }
}
