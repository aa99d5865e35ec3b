using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// The one loop every elementwise activation runs through: 16 lanes at a time where the instruction set passed in
/// allows it, then 8, then the scalar form for the ragged end. The operator's forms agree bit for bit, so neither
/// the instruction set nor the split changes a result.
/// </summary>
internal static class ActivationLoop
{
    /// <summary>y = op(x) over a run; x and y may be the same memory (not partly overlapping).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TOperator>(ReadOnlySpan<float> x, Span<float> y, TOperator op, KernelIsa isa)
        where TOperator : struct, IActivationOperator
    {
        if (y.Length < x.Length) throw new ArgumentException($"destination holds {y.Length} values, the source {x.Length}", nameof(y));
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        nuint i = 0, n = (nuint)x.Length;
        isa = KernelSupport.Limit(isa);
        if (isa == KernelIsa.Avx512)
            for (; i + 16 <= n; i += 16)
                op.Invoke(Vector512.LoadUnsafe(ref xs, i)).StoreUnsafe(ref ys, i);
        if (isa >= KernelIsa.Avx2)
            for (; i + 8 <= n; i += 8)
                op.Invoke(Vector256.LoadUnsafe(ref xs, i)).StoreUnsafe(ref ys, i);
        for (; i < n; i++)
            Unsafe.Add(ref ys, i) = op.Invoke(Unsafe.Add(ref xs, i));
    }
}
