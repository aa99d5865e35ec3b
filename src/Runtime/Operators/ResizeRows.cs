using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnnxNorm.Runtime.Operators;

/// <summary>
/// The row kernels of <see cref="ResizePlanes"/>, in float32 with Vector256. Every value is
/// (0 + w0·a) + w1·b with a product dropped (not multiplied) when its weight is 0, the general path's rule,
/// so a NaN or infinity beside a zero weight does not leak in; the scalar tails compute the same IEEE
/// operations, so a value's bits do not depend on where a row is split.
/// </summary>
internal static unsafe class ResizeRows
{
    /// <summary>One row of the width pass: out[j] = blend of row[i0[j]] and row[i1[j]].</summary>
    public static void Horizontal(float* row, int* i0, float* w0, int* i1, float* w1, float* output, int count)
    {
        int j = 0;
        if (Avx2.IsSupported)
            for (; j <= count - 8; j += 8)
            {
                var a = Avx2.GatherVector256(row, Avx.LoadVector256(i0 + j), 4);
                var b = Avx2.GatherVector256(row, Avx.LoadVector256(i1 + j), 4);
                Avx.Store(output + j, Blend(a, Avx.LoadVector256(w0 + j), b, Avx.LoadVector256(w1 + j)));
            }
        for (; j < count; j++) output[j] = Blend(row[i0[j]], w0[j], row[i1[j]], w1[j]);
    }

    /// <summary>One output row of the height pass: the blend of two width-resized rows with one weight pair.</summary>
    public static void Vertical(float* a, float wa, float* b, float wb, float* output, int count)
    {
        int j = 0;
        var va = Vector256.Create(wa);
        var vb = Vector256.Create(wb);
        for (; j <= count - 8; j += 8)
            Vector256.Store(Blend(Vector256.Load(a + j), va, Vector256.Load(b + j), vb), output + j);
        for (; j < count; j++) output[j] = Blend(a[j], wa, b[j], wb);
    }

    /// <summary>Nearest along the width: out[j] = row[at[j]] + 0 (the general path's 0 + 1·v turns -0 into +0).</summary>
    public static void Pick(float* row, int* at, float* output, int count)
    {
        int j = 0;
        if (Avx2.IsSupported)
            for (; j <= count - 8; j += 8)
                Avx.Store(output + j, Avx2.GatherVector256(row, Avx.LoadVector256(at + j), 4) + Vector256<float>.Zero);
        for (; j < count; j++) output[j] = row[at[j]] + 0f;
    }

    /// <summary>Nearest 2x along the width (FPN upsampling): each source value twice, plus 0 as in <see cref="Pick"/>.</summary>
    public static void Double(float* row, float* output, int sourceCount)
    {
        int i = 0;
        if (Avx.IsSupported)
            for (; i <= sourceCount - 8; i += 8)
            {
                var v = Avx.LoadVector256(row + i) + Vector256<float>.Zero;
                var low = Avx.UnpackLow(v, v);   // v0 v0 v1 v1 | v4 v4 v5 v5
                var high = Avx.UnpackHigh(v, v); // v2 v2 v3 v3 | v6 v6 v7 v7
                Avx.Store(output + 2 * i, Avx.Permute2x128(low, high, 0x20));
                Avx.Store(output + 2 * i + 8, Avx.Permute2x128(low, high, 0x31));
            }
        for (; i < sourceCount; i++) output[2 * i] = output[2 * i + 1] = row[i] + 0f;
    }

    private static Vector256<float> Blend(Vector256<float> a, Vector256<float> wa, Vector256<float> b, Vector256<float> wb)
    {
        var pa = Vector256.AndNot(a * wa, Vector256.Equals(wa, Vector256<float>.Zero));
        var pb = Vector256.AndNot(b * wb, Vector256.Equals(wb, Vector256<float>.Zero));
        return Vector256<float>.Zero + pa + pb;
    }

    private static float Blend(float a, float wa, float b, float wb)
    {
        float pa = wa != 0 ? a * wa : 0f, pb = wb != 0 ? b * wb : 0f;
        return 0f + pa + pb;
    }
}
