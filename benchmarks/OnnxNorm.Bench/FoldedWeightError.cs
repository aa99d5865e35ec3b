using OnnxNorm.Graph;

namespace OnnxNorm.Bench;

/// <summary>
/// The error of a fold where it happens: the folded Conv weights against the exact values
/// W·γ/√(σ²+ε) computed here in double from the original model. Reported in float32 ULPs (the unit of
/// the stored weights), averaged over every weight of every folded Conv, matched by Conv node name.
/// </summary>
public static class FoldedWeightError
{
    public static (double MeanUlp, double MaxUlp, int Convs) Measure(string original, string folded)
    {
        using var o = ModelLoader.Load(original);
        using var f = ModelLoader.Load(folded);
        var foldedConvs = f.Graph.Nodes.Where(n => n.OpType == "Conv").ToDictionary(n => n.Name, n => n);
        double sum = 0, max = 0;
        long count = 0;
        int convs = 0;
        foreach (var conv in o.Graph.Nodes.Where(n => n.OpType == "Conv"))
        {
            var bn = conv.Output(0)!.Uses.Select(u => u.Node).FirstOrDefault(n => n.OpType == "BatchNormalization");
            if (bn is null || !foldedConvs.TryGetValue(conv.Name, out var fc)) continue;
            var w = Graph.Graph.TryGetConstant(conv.Input(1))!.ToDoubles();
            var gamma = Graph.Graph.TryGetConstant(bn.Input(1))!.ToDoubles();
            var variance = Graph.Graph.TryGetConstant(bn.Input(4))!.ToDoubles();
            double eps = bn.GetFloat("epsilon", 1e-5f);
            var got = Graph.Graph.TryGetConstant(fc.Input(1))!.AsSpan<float>();
            int perChannel = w.Length / gamma.Length;
            for (int i = 0; i < w.Length; i++)
            {
                int c = i / perChannel;
                double exact = w[i] * (gamma[c] / Math.Sqrt(variance[c] + eps));
                double ulp = Math.Abs(got[i] - exact) / UlpOf((float)exact);
                sum += ulp;
                max = Math.Max(max, ulp);
                count++;
            }
            convs++;
        }
        return (count == 0 ? double.NaN : sum / count, max, convs);
    }

    private static double UlpOf(float x)
    {
        float a = Math.Abs(x);
        return a == 0 ? float.Epsilon : MathF.BitIncrement(a) - a;
    }
}
