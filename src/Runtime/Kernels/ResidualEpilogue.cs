using System.Numerics.Tensors;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// A Conv step's fused residual Add (and the activation after it) on a finished block of its output:
/// C = act(C + R), C already rounded to float, so each value is what the Conv, the Add and the activation as
/// separate nodes would give. Elementwise, so the bits do not depend on how the output is cut into blocks.
/// </summary>
internal static unsafe class ResidualEpilogue
{
    /// <summary>Rows [rowStart, rowEnd) x columns [jc, jc + nc) of C and R (both <paramref name="ldc"/> floats a row).</summary>
    public static void Apply(float* c, float* r, int ldc, int rowStart, int rowEnd, int jc, int nc, in Activation act, KernelIsa isa)
    {
        // A block of whole rows (small maps) is one contiguous run.
        if (nc == ldc) Run(c + (long)rowStart * ldc, r + (long)rowStart * ldc, (rowEnd - rowStart) * nc, act, isa);
        else
            for (int i = rowStart; i < rowEnd; i++) Run(c + (long)i * ldc + jc, r + (long)i * ldc + jc, nc, act, isa);
    }

    /// <summary>y = act(y + r) over n values.</summary>
    public static void Run(float* y, float* r, int n, in Activation act, KernelIsa isa)
    {
        var values = new Span<float>(y, n);
        TensorPrimitives.Add(values, new ReadOnlySpan<float>(r, n), values);
        if (act.Kind != FusedActivation.None) ActivationMath.ApplyInPlace(values, act, isa);
    }
}
