using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Runtime.Kernels;
using OnnxNorm.TestModels;

namespace OnnxNorm.Runtime.Tests;

/// <summary>
/// The instruction set is a session's own setting (<see cref="SessionOptions.Isa"/>), not a process-wide switch:
/// sessions at every level run at the same time in one process, and the activations give the same bits at each.
/// </summary>
public class SessionIsaTests
{
    [Fact]
    public void Sessions_at_scalar_avx2_and_avx512_run_side_by_side_and_their_activations_agree_bit_for_bit()
    {
        var b = new ModelBuilder(opset: 17);
        b.Input("x", ElementType.Float, 1, 4, 37, 29);
        b.Node("Sigmoid", new[] { "x" }, new[] { "s" }, "sig");
        b.Node("HardSwish", new[] { "x" }, new[] { "h" }, "hswish");
        b.Node("LeakyRelu", new[] { "x" }, new[] { "l" }, "leaky", ("alpha", 0.1f));
        b.Initializer("lo", new[] { -0.5f });
        b.Initializer("hi", new[] { 6f });
        b.Node("Clip", new[] { "x", "lo", "hi" }, new[] { "c" }, "clip");
        b.Node("Relu", new[] { "x" }, new[] { "r" }, "relu");
        foreach (var name in new[] { "s", "h", "l", "c", "r" }) b.OutputUnknownShape(name, ElementType.Float);
        var bytes = b.ToBytes();
        var rng = new DeterministicRandom(21);
        var x = new float[4 * 37 * 29];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.Normal() * 5;
        x[3] = float.NaN;
        x[40] = -0f;
        x[77] = float.NegativeInfinity;
        x[x.Length - 1] = 1e-40f;
        var feeds = new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromFloats(new long[] { 1, 4, 37, 29 }, x) };

        var isas = new[] { KernelIsa.Scalar, KernelIsa.Avx2, KernelIsa.Avx512 };
        var results = new Dictionary<string, TensorValue>[isas.Length];
        Parallel.For(0, isas.Length, i =>
        {
            using var model = ModelLoader.Load(bytes, "activations");
            results[i] = NativeSession.Create(model, new SessionOptions { Isa = isas[i], Threads = 2 }).Run(feeds);
        });
        foreach (var name in new[] { "s", "h", "l", "c", "r" })
            for (int i = 1; i < isas.Length; i++)
                Assert.True(results[0][name].AsBytes().SequenceEqual(results[i][name].AsBytes()),
                    $"output {name}: {isas[i]} differs from {isas[0]}");
    }
}
