using OnnxNorm.Ir;
using OnnxNorm.Passes;

namespace OnnxNorm.Bench.Precision;

/// <summary>
/// EXPERIMENT ONLY (issue #4 precision study), not the production fold. Folds every Conv+BN of a model with
/// the production decision (<see cref="FoldBatchNorm.TryPlan"/>) but with the folded weight and bias
/// recomputed by one of several arithmetic recipes, so their output errors can be compared:
/// <list type="bullet">
/// <item><c>exact</c>: s = γ/√(σ²+ε) and t = β − μ·s in double, W·s and b·s+t rounded once (a sanity check: must
/// reproduce `onnxnorm optimize --bn-arithmetic exact` bit for bit).</item>
/// <item><c>f32-vareps</c>: σ²+ε rounded to float32 first (as ORT does), the rest in double.</item>
/// <item><c>f32-sqrt</c>: √(σ²+ε) computed in float32 exactly as ORT does (add, sqrt), the rest in double. It shares with
/// ORT's unfolded BN kernel and with ORT's fusion exactly the steps the hypothesis says they share.</item>
/// <item><c>ort-bn</c>: the per-channel scale and shift exactly as ORT's CPU BatchNorm kernel forms them in float32
/// (inv_std = 1/√(σ²+ε), s = inv_std·γ, t = β − μ·s), then W·s rounded once (and b·s+t rounded once). What this
/// study found best became fold-bn's default (BatchNormArithmetic.Inference): must reproduce `onnxnorm optimize` bit for bit.</item>
/// <item><c>ort-fusion</c>: ORT's conv_bn_fusion recipe in float32 (s = γ/√(σ²+ε), W·s, β − μ·s); must reproduce ORT's
/// basic-optimised model bit for bit.</item>
/// </list>
/// </summary>
public static class FoldVariants
{
    public static readonly string[] Names = { "exact", "f32-vareps", "f32-sqrt", "ort-bn", "ort-fusion" };

    public static void Write(string original, string variant, string output)
    {
        if (!Names.Contains(variant)) throw new ArgumentException($"unknown variant {variant}; one of {string.Join(", ", Names)}");
        using var model = ModelLoader.Load(original);
        int folded = 0;
        foreach (var bn in BatchNormNodes.In(model))
        {
            var plan = FoldBatchNorm.TryPlan(bn, out var refusal);
            if (plan is null) throw new InvalidOperationException($"{bn.Name}: {refusal}");
            if (plan.ProducerKind != FoldBatchNorm.Conv) throw new InvalidOperationException($"{bn.Name}: producer is {plan.ProducerKind}");
            var conv = plan.Producer;
            var w = Graph.TryGetConstant(conv.Input(1))!;
            var wf = w.AsSpan<float>().ToArray();
            var convBias = conv.Input(2) is null ? null : Graph.TryGetConstant(conv.Input(2))!.AsSpan<float>().ToArray();
            float[] P(int i) => Graph.TryGetConstant(bn.Input(i))!.AsSpan<float>().ToArray();
            float[] gamma = P(1), beta = P(2), mean = P(3), variance = P(4);
            float eps = bn.GetFloat("epsilon", 1e-5f);
            int channels = gamma.Length, perChannel = wf.Length / channels;

            var newW = new float[wf.Length];
            var newB = new float[channels];
            for (int c = 0; c < channels; c++)
            {
                double b = convBias is null ? 0.0 : convBias[c];
                double s;           // the per-channel weight multiplier (float32 ones are exact in double)
                float? biasF = null; // when the recipe forms the bias in float32 itself
                switch (variant)
                {
                    case "exact":
                        s = gamma[c] / Math.Sqrt((double)variance[c] + eps);
                        break;
                    case "f32-vareps":
                        s = gamma[c] / Math.Sqrt((double)(variance[c] + eps));
                        break;
                    case "f32-sqrt":
                        s = gamma[c] / (double)MathF.Sqrt(variance[c] + eps);
                        break;
                    case "ort-bn":
                    {
                        float invStd = 1f / MathF.Sqrt(variance[c] + eps);
                        float ns = invStd * gamma[c];
                        float nb = beta[c] - mean[c] * ns;
                        s = ns;
                        // the unfolded kernel computes fl(fl(conv·ns) + nb); folded: conv·ns + (b·ns + nb)
                        biasF = convBias is null ? nb : (float)(b * ns + nb);
                        break;
                    }
                    default: // ort-fusion
                    {
                        float sf = gamma[c] / MathF.Sqrt(variance[c] + eps);
                        s = sf;
                        biasF = convBias is null ? beta[c] - mean[c] * sf : (convBias[c] - mean[c]) * sf + beta[c];
                        break;
                    }
                }
                // "exact"-style recipes: t = β − μ·s and b' = b·s + t in double, rounded once (the production order).
                newB[c] = biasF ?? (float)(b * s + (beta[c] - mean[c] * s));
                for (int i = c * perChannel; i < (c + 1) * perChannel; i++) newW[i] = (float)(wf[i] * s);
            }
            var wt = Tensor.FromFloats("", w.Dims, newW);
            var bt = Tensor.FromFloats("", new long[] { channels }, newB);
            var replacements = plan.Replacements.Select(r => r.Index switch
            {
                1 => r with { Tensor = wt },
                2 => r with { Tensor = bt },
                _ => throw new InvalidOperationException($"unexpected replacement of input {r.Index}"),
            }).ToList();
            FoldBatchNorm.Apply(plan with { Replacements = replacements });
            folded++;
        }
        ModelSaver.Save(model, output);
        Console.Error.WriteLine($"{variant}: folded {folded} BN -> {output}");
    }

    /// <summary>
    /// Compares the Conv weights and biases of two folded models, matched by Conv node name: how many float32
    /// values differ in their bits. Used to check that a recipe reproduces a tool's folded model exactly.
    /// </summary>
    public static void CompareWeights(string a, string b)
    {
        using var ma = ModelLoader.Load(a);
        using var mb = ModelLoader.Load(b);
        var convs = mb.Graph.Nodes.Where(n => n.OpType == "Conv").ToDictionary(n => n.Name, n => n);
        long values = 0, differ = 0;
        int matched = 0;
        foreach (var ca in ma.Graph.Nodes.Where(n => n.OpType == "Conv"))
        {
            if (!convs.TryGetValue(ca.Name, out var cb)) { Console.WriteLine($"{ca.Name}: not in {b}"); continue; }
            matched++;
            for (int i = 1; i <= 2; i++)
            {
                var ta = Graph.TryGetConstant(ca.Input(i));
                var tb = Graph.TryGetConstant(cb.Input(i));
                if (ta is null || tb is null) { Console.WriteLine($"{ca.Name} input {i}: missing on one side"); continue; }
                var sa = ta.AsSpan<uint>(); var sb = tb.AsSpan<uint>();
                if (sa.Length != sb.Length) { Console.WriteLine($"{ca.Name} input {i}: sizes differ"); continue; }
                for (int k = 0; k < sa.Length; k++) { values++; if (sa[k] != sb[k]) differ++; }
            }
        }
        Console.WriteLine($"{matched} Convs matched, {values} weight/bias values, {differ} differ in their bits");
    }

    /// <summary>
    /// The per-channel multiplier each recipe folds into W, against the one ORT's unfolded BN kernel applies
    /// (ns = fl(fl(1/fl(√fl(σ²+ε)))·γ)): how often it is the same float, and the mean |s − ns| in ULPs of ns.
    /// A per-channel difference is coherent over every output of the channel, unlike the rounding of each weight.
    /// </summary>
    public static void ScaleStats(string original)
    {
        using var model = ModelLoader.Load(original);
        var recipes = new (string Name, Func<float, float, float, double> Scale)[]
        {
            ("exact", (g, v, e) => g / Math.Sqrt((double)v + e)),
            ("f32-vareps", (g, v, e) => g / Math.Sqrt((double)(v + e))),
            ("f32-sqrt", (g, v, e) => g / (double)MathF.Sqrt(v + e)),
            ("ort-fusion", (g, v, e) => g / MathF.Sqrt(v + e)),
            ("ort-bn", (g, v, e) => 1f / MathF.Sqrt(v + e) * g),
        };
        var same = new long[recipes.Length];
        var ulps = new double[recipes.Length];
        var ulpsExact = new double[recipes.Length];
        var signed = new double[recipes.Length];
        var signedExact = new double[recipes.Length];
        long channels = 0;
        foreach (var bn in BatchNormNodes.In(model))
        {
            float[] P(int i) => Graph.TryGetConstant(bn.Input(i))!.AsSpan<float>().ToArray();
            float[] gamma = P(1), variance = P(4);
            float eps = bn.GetFloat("epsilon", 1e-5f);
            for (int c = 0; c < gamma.Length; c++, channels++)
            {
                float ns = 1f / MathF.Sqrt(variance[c] + eps) * gamma[c];
                double exact = gamma[c] / Math.Sqrt((double)variance[c] + eps);
                double fulp = MathF.BitIncrement(ns) - ns;
                for (int r = 0; r < recipes.Length; r++)
                {
                    double sr = recipes[r].Scale(gamma[c], variance[c], eps);
                    if (sr == ns) same[r]++;
                    ulps[r] += Math.Abs(sr - ns) / fulp;
                    ulpsExact[r] += Math.Abs(sr - exact) / fulp;
                    signed[r] += (sr - ns) / fulp;
                    signedExact[r] += (sr - exact) / fulp;
                }
            }
        }
        Console.WriteLine($"{channels} BN channels; per-channel multiplier s of each recipe vs ORT's BN kernel ns, and vs exact γ/√(σ²+ε):");
        Console.WriteLine("| recipe | s == ns (same float) | mean abs(s - ns), float32 ULP of ns | mean (s - ns), signed | mean abs(s - exact) | mean (s - exact), signed |");
        Console.WriteLine("|---|---|---|---|---|---|");
        for (int r = 0; r < recipes.Length; r++)
            Console.WriteLine($"| {recipes[r].Name} | {100.0 * same[r] / channels:F1}% | {ulps[r] / channels:F3} | {signed[r] / channels:+0.000;-0.000;0.000} | {ulpsExact[r] / channels:F3} | {signedExact[r] / channels:+0.000;-0.000;0.000} |");
    }
}
