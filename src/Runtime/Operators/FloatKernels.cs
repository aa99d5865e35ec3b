using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using OnnxNorm.Runtime.Kernels;
using OnnxNorm.Runtime.Operators.Arithmetic;

namespace OnnxNorm.Runtime.Operators;

/// <summary>
/// SIMD (Vector&lt;float&gt;) loops for the float32 elementwise hot paths of CNNs: Add/Sub/Mul/Div with
/// numpy broadcasting (rows whose inner operand is contiguous or a repeated scalar). NaN propagates as in the
/// scalar loops. (The activations, Clip included, run on <see cref="Kernels.ActivationLoop"/>.)
/// </summary>
internal static class FloatKernels
{
    public enum Op { Add, Sub, Mul, Div }

    public static void Binary(Op op, float[] a, long[] aShape, float[] b, long[] bShape, float[] y, long[] yShape, KernelTarget target = default)
    {
        switch (op)
        {
            case Op.Add: Binary<AddOperator>(a, aShape, b, bShape, y, yShape, target); break;
            case Op.Sub: Binary<SubtractOperator>(a, aShape, b, bShape, y, yShape, target); break;
            case Op.Mul: Binary<MultiplyOperator>(a, aShape, b, bShape, y, yShape, target); break;
            default: Binary<DivideOperator>(a, aShape, b, bShape, y, yShape, target); break;
        }
    }

    private static void Binary<TOp>(float[] a, long[] aShape, float[] b, long[] bShape, float[] y, long[] yShape, KernelTarget target)
        where TOp : struct, IBinaryArithmetic
    {
        int n = checked((int)Shapes.Size(yShape));
        if (n == 0) return;
        long na = Shapes.Size(aShape), nb = Shapes.Size(bShape);
        if ((na == n || na == 1) && (nb == n || nb == 1))
        {
            ParallelRanges.Run(n, ParallelWork.StreamedValueCost, target, new Elementwise<TOp>(a, b, y, na == n ? 1 : 0, nb == n ? 1 : 0), align: 16);
            return;
        }
        // Collapse trailing dims where both operands are either contiguous or broadcast, so rows are long.
        int rank = yShape.Length;
        var sa = Shapes.BroadcastStrides(aShape, yShape);
        var sb = Shapes.BroadcastStrides(bShape, yShape);
        // Each operand's row is contiguous (last stride 1) or one repeated value (last stride 0); fold outer dims
        // into the row while that stays true for both, so per-channel broadcasts run as long vector rows.
        bool aC = sa[rank - 1] != 0, bC = sb[rank - 1] != 0;
        long inner = yShape[rank - 1];
        int split = rank - 1;
        while (split > 0)
        {
            int d = split - 1;
            bool ok = yShape[d] == 1 || ((aC ? sa[d] == inner : sa[d] == 0) && (bC ? sb[d] == inner : sb[d] == 0));
            if (!ok) break;
            inner *= yShape[d];
            split = d;
        }
        int ia = aC ? 1 : 0, ib = bC ? 1 : 0;
        int rows = (int)(n / inner), len = (int)inner;
        // Broadcast rows (a bias or scale per channel or per last-axis element) split by rows across threads.
        ParallelRanges.Run(rows, (long)len * ParallelWork.StreamedValueCost, target, new BroadcastRowRange<TOp>(a, b, y, yShape, sa, sb, split, ia, ib, len));
    }

    // Values [first, first + count) of a same-shape operation; an operand of one value has ia or ib 0.
    private readonly struct Elementwise<TOp>(float[] a, float[] b, float[] y, int ia, int ib) : IRangeWork
        where TOp : struct, IBinaryArithmetic
    {
        public void Run(int first, int count) =>
            Row<TOp>(ia == 1 ? a.AsSpan(first, count) : a.AsSpan(0, 1), ib == 1 ? b.AsSpan(first, count) : b.AsSpan(0, 1), ia, ib, y.AsSpan(first, count));
    }

    private readonly struct BroadcastRowRange<TOp>(float[] a, float[] b, float[] y, long[] yShape, long[] sa, long[] sb, int split, int ia, int ib, int len)
        : IRangeWork where TOp : struct, IBinaryArithmetic
    {
        public void Run(int first, int count) => BroadcastRows<TOp>(a, b, y, yShape, sa, sb, split, ia, ib, len, first, count);
    }

    // Rows [first, first + count) of the broadcast loop; row r's operand offsets come from r's index over the
    // outer dims, so a range starts anywhere.
    private static void BroadcastRows<TOp>(float[] a, float[] b, float[] y, long[] yShape, long[] sa, long[] sb,
        int split, int ia, int ib, int len, int first, int count)
        where TOp : struct, IBinaryArithmetic
    {
        Span<long> idx = stackalloc long[split];
        long rest = first;
        for (int d = split - 1; d >= 0; d--) { idx[d] = rest % yShape[d]; rest /= yShape[d]; }
        for (int r = first; r < first + count; r++)
        {
            long offA = 0, offB = 0;
            for (int d = 0; d < split; d++) { offA += idx[d] * sa[d]; offB += idx[d] * sb[d]; }
            Row<TOp>(a.AsSpan((int)offA, ia == 1 ? len : 1), b.AsSpan((int)offB, ib == 1 ? len : 1), ia, ib, y.AsSpan(r * len, len));
            for (int d = split - 1; d >= 0; d--)
            {
                if (++idx[d] < yShape[d]) break;
                idx[d] = 0;
            }
        }
    }

    // y[i] = a[i*ia] op b[i*ib], ia/ib ∈ {0, 1}.
    private static void Row<TOp>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int ia, int ib, Span<float> y)
        where TOp : struct, IBinaryArithmetic
    {
        var op = default(TOp);
        int n = y.Length, i = 0, w = Vector<float>.Count;
        if (ia == 0 && ib == 0) { y.Fill(op.Invoke(a[0], b[0])); return; }
        if (Vector.IsHardwareAccelerated && n >= w)
        {
            var vy = MemoryMarshal.Cast<float, Vector<float>>(y);
            int nv = vy.Length;
            if (ia == 1 && ib == 1)
            {
                var va = MemoryMarshal.Cast<float, Vector<float>>(a);
                var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
                for (int k = 0; k < nv; k++) vy[k] = op.Invoke(va[k], vb[k]);
            }
            else if (ia == 1)
            {
                var va = MemoryMarshal.Cast<float, Vector<float>>(a);
                var s = new Vector<float>(b[0]);
                for (int k = 0; k < nv; k++) vy[k] = op.Invoke(va[k], s);
            }
            else
            {
                var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
                var s = new Vector<float>(a[0]);
                for (int k = 0; k < nv; k++) vy[k] = op.Invoke(s, vb[k]);
            }
            i = nv * w;
        }
        for (; i < n; i++) y[i] = op.Invoke(a[i * ia], b[i * ib]);
    }

    /// <summary>
    /// y = x·a + b (BatchNormalization, one channel plane), then Relu if asked in the same pass, computed in double and
    /// rounded once, so the error is plain rounding with no sign of its own (a and b rounded to float would err the same
    /// way at every element of the channel: BatchNormalizationBiasTests). Costs about 1.25x the float form
    /// (cache-resident planes, AVX-512, measured 2026-11-30).
    /// </summary>
    public static void ScaleShift(ReadOnlySpan<float> x, Span<float> y, double a, double b, bool relu)
    {
        int i = 0;
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        var r = default(ReluOperator);
        // Every path computes the same fused double multiply-add per element, rounds it to float, then applies the
        // standalone Relu's rule, so results do not depend on the path.
        if (Avx512F.IsSupported)
        {
            var va = Vector512.Create(a);
            var vb = Vector512.Create(b);
            for (; i + 8 <= x.Length; i += 8)
            {
                var v = Avx512F.ConvertToVector256Single(Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Double(Vector256.LoadUnsafe(ref xs, (nuint)i)), va, vb));
                (relu ? r.Invoke(v) : v).StoreUnsafe(ref ys, (nuint)i);
            }
        }
        else if (Fma.IsSupported)
        {
            // Four lanes per multiply-add: float → double in the load, one fused multiply-add, double → float.
            var va = Vector256.Create(a);
            var vb = Vector256.Create(b);
            for (; i + 8 <= x.Length; i += 8)
            {
                var lo = Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref xs, (nuint)i));
                var hi = Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref xs, (nuint)i + 4));
                var v = Vector256.Create(Avx.ConvertToVector128Single(Fma.MultiplyAdd(lo, va, vb)), Avx.ConvertToVector128Single(Fma.MultiplyAdd(hi, va, vb)));
                (relu ? r.Invoke(v) : v).StoreUnsafe(ref ys, (nuint)i);
            }
        }
        for (; i < x.Length; i++)
        {
            float v = (float)Math.FusedMultiplyAdd(x[i], a, b);
            y[i] = relu ? ReluOperator.Of(v) : v;
        }
    }
}
