using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestModels;

namespace OnnxNorm.Passes.Tests;

/// <summary>Loading builder models, running passes with verification on, and comparing outputs by reference evaluation.</summary>
internal static class PassTestKit
{
    public static Model Load(ModelBuilder b) => ModelLoader.Load(b.ToBytes(), "test.onnx");

    /// <summary>Runs the named passes with invariant checks after each (as every test must).</summary>
    public static PipelineResult Run(Model m, params string[] passes) =>
        PassPipeline.FromNames(passes, new PipelineOptions { Verify = true }, settings: Settings).Run(m);

    /// <summary>What the CLI gives the passes: the native executor computes constants.</summary>
    public static PassSettings Settings { get; } = new() { ConstantEvaluator = NativeConstantEvaluator.Instance };

    public static int Count(Model m, string op) => m.Graph.AllNodes().Count(n => n.OpType == op);

    public static Diagnostic Single(PipelineResult r, string nodeName) =>
        Assert.Single(r.Diagnostics, d => d.NodeName == nodeName);

    /// <summary>Seeded inputs for every fed graph input (symbolic dims become 1; bool inputs use <paramref name="condition"/>).</summary>
    public static Dictionary<string, ReferenceEvaluator.Array> Feeds(Model m, ulong seed = 42, bool condition = true)
    {
        var rng = new DeterministicRandom(seed);
        var feeds = new Dictionary<string, ReferenceEvaluator.Array>();
        foreach (var v in m.Graph.Inputs.Where(v => !v.IsInitializer))
        {
            var dims = v.Shape!.Select(d => d.Value ?? 1).ToArray();
            long count = dims.Aggregate(1L, (a, d) => a * d);
            feeds[v.Name] = v.ElementType == ElementType.Bool
                ? new ReferenceEvaluator.Array(dims, new[] { condition ? 1.0 : 0.0 })
                : new ReferenceEvaluator.Array(dims, rng.Normals(count));
        }
        return feeds;
    }

    /// <summary>
    /// Evaluates the original bytes and the rewritten model on the same seeded inputs and checks every output
    /// agrees within <paramref name="relTol"/> of the output's magnitude.
    /// </summary>
    public static void AssertSameOutputs(byte[] original, Model rewritten, double relTol = 1e-5, ulong seed = 42, bool condition = true)
    {
        using var before = ModelLoader.Load(original, "original.onnx");
        var feeds = Feeds(before, seed, condition);
        var expected = ReferenceEvaluator.Run(before, feeds);
        var actual = ReferenceEvaluator.Run(rewritten, feeds);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, e) in expected)
        {
            var a = actual[name];
            Assert.Equal(e.Dims, a.Dims);
            double scale = Math.Max(1e-3, e.Data.Max(Math.Abs));
            for (int i = 0; i < e.Data.Length; i++)
                Assert.True(Math.Abs(e.Data[i] - a.Data[i]) <= relTol * scale,
                    $"output '{name}'[{i}]: original {e.Data[i]}, rewritten {a.Data[i]} (tolerance {relTol * scale})");
        }
    }

    /// <summary>Saves and reloads, so a test also proves the rewritten model is a valid file.</summary>
    public static Model Reload(Model m) => ModelLoader.Load(ModelSaver.ToBytes(m), "reloaded.onnx");

    public static double[] InitializerValues(Model m, string name) =>
        (m.Graph.Find(name)?.Initializer ?? throw new InvalidOperationException($"no initializer '{name}'")).ToDoubles();
}
