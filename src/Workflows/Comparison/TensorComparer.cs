using OnnxNorm.Ir;
using OnnxNorm.Runtime;

namespace OnnxNorm.Workflows.Comparison;

/// <summary>Computes <see cref="TensorMetrics"/> for a tensor against a reference of the same name.</summary>
public static class TensorComparer
{
    /// <summary>Elementwise metrics of <paramref name="actual"/> against <paramref name="expected"/> under <paramref name="tolerance"/>.</summary>
    public static TensorMetrics Compare(TensorValue actual, TensorValue expected, Tolerance tolerance)
    {
        var baseMetrics = new TensorMetrics
        {
            ElementType = actual.ElementType.Name(),
            Shape = actual.Shape,
            Elements = actual.Length,
            Rtol = tolerance.Rtol,
            Atol = tolerance.Atol,
        };
        bool sameType = actual.ElementType == expected.ElementType;
        if (!sameType) baseMetrics = baseMetrics with { ReferenceElementType = expected.ElementType.Name() };
        if (!sameType && !(actual.ElementType.IsFloatingPoint() && expected.ElementType.IsFloatingPoint()))
            return baseMetrics with { Comparable = false, ReferenceShape = expected.Shape, CountOverTolerance = actual.Length, Cosine = double.NaN };
        if (!actual.Shape.SequenceEqual(expected.Shape))
            return baseMetrics with { Comparable = false, ReferenceShape = expected.Shape, CountOverTolerance = Math.Max(actual.Length, expected.Length), Cosine = double.NaN };
        if (actual.ElementType == ElementType.String)
        {
            var sa = (string[])actual.Buffer;
            var sb = (string[])expected.Buffer;
            long diff = 0;
            for (int i = 0; i < actual.Length; i++) if (sa[i] != sb[i]) diff++;
            return baseMetrics with { CountOverTolerance = diff, Cosine = diff == 0 ? 1 : double.NaN };
        }

        double[] a = actual.ToDoubles(), b = expected.ToDoubles();
        bool isFloat = actual.ElementType.IsFloatingPoint();
        var ulpType = ToleranceType(actual.ElementType, expected.ElementType);
        double maxAbs = 0, maxRel = 0, sumAbs = 0, dot = 0, na = 0, nb = 0;
        long over = 0, nanMismatch = 0, infMismatch = 0, finite = 0, worst = -1;
        ulong maxUlp = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double x = a[i], y = b[i];
            bool xn = double.IsNaN(x), yn = double.IsNaN(y);
            if (xn || yn)
            {
                if (xn != yn) { nanMismatch++; over++; if (worst < 0) worst = i; }
                continue;
            }
            if (double.IsInfinity(x) || double.IsInfinity(y))
            {
                if (x != y) { infMismatch++; over++; if (worst < 0) worst = i; }
                continue;
            }
            double d = Math.Abs(x - y);
            finite++;
            sumAbs += d;
            if (d > maxAbs) { maxAbs = d; worst = i; }
            if (y != 0) maxRel = Math.Max(maxRel, d / Math.Abs(y));
            dot += x * y; na += x * x; nb += y * y;
            if (!tolerance.Accepts(x, y)) over++;
            ulong ulp = !isFloat ? (ulong)Math.Round(d) : sameType ? UlpDistance.At(actual, expected, i) : UlpDistance.InType(ulpType, x, y);
            if (ulp > maxUlp) maxUlp = ulp;
        }
        double cosine = na == 0 && nb == 0 ? 1 : na == 0 || nb == 0 ? 0 : dot / (Math.Sqrt(na) * Math.Sqrt(nb));
        var (argmax, top5) = LogitAgreement(actual.Shape, a, b);
        return baseMetrics with
        {
            MaxAbs = maxAbs,
            MaxRel = maxRel,
            MeanAbs = finite == 0 ? 0 : sumAbs / finite,
            Cosine = cosine,
            MaxUlp = maxUlp,
            CountOverTolerance = over,
            NanMismatches = nanMismatch,
            InfMismatches = infMismatch,
            WorstIndex = worst,
            ArgmaxAgreement = argmax,
            Top5Agreement = top5,
        };
    }

    /// <summary>
    /// The type whose tolerance and ULPs apply when comparing two types: the type itself, or for two
    /// floating-point types the less precise one (bfloat16 &lt; float16 &lt; float32 &lt; float64).
    /// </summary>
    public static ElementType ToleranceType(ElementType a, ElementType b)
    {
        if (a == b || !a.IsFloatingPoint() || !b.IsFloatingPoint()) return b;
        static int Rank(ElementType t) => t switch { ElementType.BFloat16 => 0, ElementType.Float16 => 1, ElementType.Float => 2, _ => 3 };
        return Rank(a) <= Rank(b) ? a : b;
    }

    /// <summary>True for [N, C] with C &gt;= 2 and [N, C, 1, 1]: the shapes classifier logits come in.</summary>
    public static bool IsLogitShaped(long[] shape) =>
        (shape.Length == 2 && shape[1] >= 2) || (shape.Length == 4 && shape[1] >= 2 && shape[2] == 1 && shape[3] == 1);

    private static (double? Argmax, double? Top5) LogitAgreement(long[] shape, double[] a, double[] b)
    {
        if (!IsLogitShaped(shape) || shape[0] == 0) return (null, null);
        int rows = (int)shape[0], classes = (int)shape[1];
        int k = Math.Min(5, classes);
        int argmaxSame = 0, topSame = 0;
        for (int r = 0; r < rows; r++)
        {
            var ra = new ArraySegment<double>(a, r * classes, classes);
            var rb = new ArraySegment<double>(b, r * classes, classes);
            var ta = TopK(ra, k);
            var tb = TopK(rb, k);
            if (ta[0] == tb[0]) argmaxSame++;
            if (ta.Order().SequenceEqual(tb.Order())) topSame++;
        }
        return ((double)argmaxSame / rows, (double)topSame / rows);
    }

    // Indices of the k largest values, largest first; ties go to the lower index, NaN ranks lowest.
    private static int[] TopK(ArraySegment<double> row, int k) =>
        Enumerable.Range(0, row.Count)
            .OrderByDescending(i => double.IsNaN(row[i]) ? double.NegativeInfinity : row[i])
            .ThenBy(i => i)
            .Take(k)
            .ToArray();
}
