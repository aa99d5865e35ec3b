using OnnxNorm.Ir;
using OnnxNorm.Runtime;
using OnnxNorm.Runtime.Data;
using OnnxNorm.TestModels;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Cli.Tests;

/// <summary>
/// Issue 14, item 4: models that pass onnx.checker but crash ONNX Runtime's kernels (SIGFPE, segfault)
/// must be refused, naming the node, by every verb that creates an ORT session, before it creates one.
/// Real ONNX Runtime: without the guard these runs die with exit 136/139 and no message.
/// </summary>
public class OrtCrashTests
{
    private static (string Model, string Data) ConvTransposeWithGroupZero(string dir)
    {
        var b = new ModelBuilder(opset: 17);
        var x = b.Input("x", ElementType.Float, 1, 4, 5, 5);
        var w = b.Initializer("w", ElementType.Float, new long[] { 4, 2, 3, 3 }, Enumerable.Repeat(0.1, 72).ToArray());
        b.Node("ConvTranspose", new[] { x, w }, new[] { "t" }, "deconv", ("group", 0L));
        var p = Enumerable.Repeat(1.0, 2).ToArray();
        var s = b.Initializer("s", ElementType.Float, new long[] { 2 }, p);
        var bb = b.Initializer("b", ElementType.Float, new long[] { 2 }, new double[2]);
        var m = b.Initializer("mean", ElementType.Float, new long[] { 2 }, new double[2]);
        var v = b.Initializer("var", ElementType.Float, new long[] { 2 }, p);
        b.Node("BatchNormalization", new[] { "t", s, bb, m, v }, new[] { "y" }, "bn");
        b.OutputUnknownShape("y", ElementType.Float);
        return Save(b, dir, "deconv-group0.onnx", new long[] { 1, 4, 5, 5 });
    }

    private static (string Model, string Data) TrainingBatchNormWithoutRunningOutputs(string dir)
    {
        var b = new ModelBuilder(opset: 15);
        var x = b.Input("x", ElementType.Float, 2, 3, 4, 4);
        var p = Enumerable.Repeat(1.0, 3).ToArray();
        var s = b.Initializer("s", ElementType.Float, new long[] { 3 }, p);
        var bb = b.Initializer("b", ElementType.Float, new long[] { 3 }, new double[3]);
        var m = b.Initializer("mean", ElementType.Float, new long[] { 3 }, new double[3]);
        var v = b.Initializer("var", ElementType.Float, new long[] { 3 }, p);
        b.Node("BatchNormalization", new[] { x, s, bb, m, v }, new[] { "y" }, "train_bn", ("training_mode", 1L));
        b.Output("y", ElementType.Float, 2, 3, 4, 4);
        return Save(b, dir, "bn15-training.onnx", new long[] { 2, 3, 4, 4 });
    }

    private static (string, string) Save(ModelBuilder b, string dir, string name, long[] shape)
    {
        string model = Path.Combine(dir, name), data = Path.Combine(dir, name + ".npy");
        b.Save(model);
        var rng = new DeterministicRandom(1);
        int n = (int)shape.Aggregate(1L, (a, d) => a * d);
        NpyFile.Write(data, TensorValue.FromFloats(shape, Enumerable.Range(0, n).Select(_ => (float)rng.Normal()).ToArray()));
        return (model, data);
    }

    private static IEnumerable<string[]> EveryOrtVerb(string model, string data, string dir) => new[]
    {
        new[] { "run", model, "--engine", "ort" },
        new[] { "compare", model, model },
        new[] { "optimize", model, "-o", Path.Combine(dir, "o.onnx"), "--verify" },
        new[] { "bench", model, "--engine", "ort", "--repeat", "1", "--warmup", "0" },
        new[] { "check-stats", model, "--engine", "ort", "--data", data },
        new[] { "recalibrate", model, "--engine", "ort", "--data", data, "-o", Path.Combine(dir, "r.onnx") },
    };

    [Fact]
    public void A_conv_transpose_with_group_zero_is_refused_by_every_ort_verb_instead_of_killing_the_process()
    {
        string dir = TestData.NewTempDir();
        var (model, data) = ConvTransposeWithGroupZero(dir);
        foreach (var args in EveryOrtVerb(model, data, dir))
        {
            var r = OnnxnormProcess.Run(args);
            Assert.True(r.ExitCode == 2, $"{args[0]}: exit {r.ExitCode}: {r.Stderr}");
            Assert.Single(r.StderrLines);
            Assert.Contains("'deconv'", r.Stderr);
            Assert.Contains("group", r.Stderr);
        }
        Assert.False(File.Exists(Path.Combine(dir, "o.onnx")));
        Assert.False(File.Exists(Path.Combine(dir, "r.onnx")));
    }

    [Fact]
    public void A_training_mode_bn15_without_its_running_outputs_never_reaches_ort()
    {
        string dir = TestData.NewTempDir();
        var (model, data) = TrainingBatchNormWithoutRunningOutputs(dir);
        foreach (var args in EveryOrtVerb(model, data, dir).Take(4))
        {
            var r = OnnxnormProcess.Run(args);
            Assert.True(r.ExitCode == 2, $"{args[0]}: exit {r.ExitCode}: {r.Stderr}");
            Assert.Single(r.StderrLines);
            Assert.Contains("'train_bn'", r.Stderr);
            Assert.Contains("running_mean", r.Stderr);
        }
        // check-stats and recalibrate freeze training-mode layers before ORT sees them, so they run.
        foreach (var args in EveryOrtVerb(model, data, dir).Skip(4))
        {
            var r = OnnxnormProcess.Run(args);
            Assert.True(r.ExitCode is 0 or 1, $"{args[0]}: exit {r.ExitCode}: {r.Stderr}");
        }
    }
}
