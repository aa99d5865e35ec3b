using OnnxNorm.Ir;
using OnnxNorm.Runtime;
using OnnxNorm.Runtime.Engines;
using OnnxNorm.Ort;
using OnnxNorm.TestModels;

namespace OnnxNorm.Bench.Precision;

/// <summary>
/// EXPERIMENT ONLY. Checks, on the ORT build the project uses, that the CPU BatchNormalization kernel computes
/// exactly what its source says (batch_norm.h): inv_std = 1/√(σ²+ε), s = inv_std·γ, t = β − μ·s in float32,
/// then y = x·s + t with two roundings (or one, if the build fused it to an FMA). Runs a BN-only model
/// with the first BN of the benchmark model and counts outputs that differ from each float32 recipe.
/// </summary>
public static class BatchNormKernelCheck
{
    public static void Run(string original)
    {
        using var m = ModelLoader.Load(original);
        var bn = m.Graph.Nodes.First(n => n.OpType == "BatchNormalization");
        float[] P(int i) => Graph.TryGetConstant(bn.Input(i))!.AsSpan<float>().ToArray();
        float[] gamma = P(1), beta = P(2), mean = P(3), variance = P(4);
        float eps = bn.GetFloat("epsilon", 1e-5f);
        int c = gamma.Length, h = 16, w = 16, n = 4;

        var b = new ModelBuilder(opset: 17, irVersion: 8, graphName: "bn_only");
        var x = b.Input("x", ElementType.Float, n, c, h, w);
        string[] inputs = { x,
            b.Initializer("g", gamma, c), b.Initializer("b", beta, c), b.Initializer("m", mean, c), b.Initializer("v", variance, c) };
        b.Node("BatchNormalization", inputs, new[] { "y" }, "bn", ("epsilon", eps));
        b.Output("y", ElementType.Float, n, c, h, w);
        using var engine = OrtEngine.FromBytes(b.ToBytes(), "bn_only", new OrtSessionOptions { OptimizationLevel = GraphOptimizationLevel.Disabled });

        var rng = new DeterministicRandom(5);
        var xs = new float[n * c * h * w];
        for (int i = 0; i < xs.Length; i++) xs[i] = (float)(rng.Normal() * 2);
        var y = (float[])engine.Run(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromFloats(new long[] { n, c, h, w }, xs) })["y"].Buffer;

        int plane = h * w;
        long twoRoundings = 0, fma = 0, exactDouble = 0, divScale = 0;
        for (int i = 0; i < xs.Length; i++)
        {
            int ch = i / plane % c;
            float inv = 1f / MathF.Sqrt(variance[ch] + eps);
            float s = inv * gamma[ch];
            float t = beta[ch] - mean[ch] * s;
            float prod = xs[i] * s;
            if (y[i] != prod + t) twoRoundings++;
            if (y[i] != MathF.FusedMultiplyAdd(xs[i], s, t)) fma++;
            float sd = gamma[ch] / MathF.Sqrt(variance[ch] + eps); // ORT fusion's scale, for contrast
            float td = beta[ch] - mean[ch] * sd;
            float pd = xs[i] * sd;
            if (y[i] != pd + td) divScale++;
            double se = gamma[ch] / Math.Sqrt((double)variance[ch] + eps);
            if (y[i] != (float)(xs[i] * se + (beta[ch] - mean[ch] * se))) exactDouble++;
        }
        Console.WriteLine($"BN-only model, {xs.Length} outputs; ORT output differs from:");
        Console.WriteLine($"  float32 1/sqrt, s=inv*gamma, t=beta-mu*s, y=fl(fl(x*s)+t) : {twoRoundings}");
        Console.WriteLine($"  same scale/shift, y = fma(x, s, t)                         : {fma}");
        Console.WriteLine($"  float32 s=gamma/sqrt (ORT fusion's scale), two roundings   : {divScale}");
        Console.WriteLine($"  exact double scale/shift, y rounded once                  : {exactDouble}");
    }
}
