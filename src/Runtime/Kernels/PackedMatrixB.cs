namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// A constant B (a MatMul's weights) packed once into the micro-kernel's column panels over the whole of K:
/// panel j (columns 16j..16j+15, zero past N) is [K][16], panels one after another. A depth block [pc, pc + kc)
/// of panel j is then just the address panel_j + 16·pc, with panels K·16 floats apart instead of kc·16, so the
/// GEMM reads it in place (<see cref="PackedGemm"/>) instead of packing B on every run: 9 MB per run for each of
/// ConvNeXt-T's stage-4 Linear layers, reused over only 49 rows there. The values are those the per-run packing
/// writes, so the products are the same bits.
/// </summary>
internal sealed unsafe class PackedMatrixB
{
    private PackedMatrixB(float[] panels, int k, int n)
    {
        Panels = panels;
        K = k;
        N = n;
    }

    public int K { get; }
    public int N { get; }

    /// <summary>The panels (pin while reading through a pointer); panel j starts K·16·j floats in.</summary>
    public float[] Panels { get; }

    /// <summary>Packs the row-major K x N matrix <paramref name="b"/> into a new array.</summary>
    public static PackedMatrixB Copy(ReadOnlySpan<float> b, int k, int n)
    {
        var panels = new float[Size(b, k, n)];
        Pack(b, k, n, panels);
        return new PackedMatrixB(panels, k, n);
    }

    /// <summary>
    /// Packs <paramref name="b"/> over itself when N is a multiple of 16 (the packed matrix is then the same size),
    /// else into a new array: for weights nothing else reads, so the plain and packed copies are never both kept
    /// (the plain one would stay alive until the plan is built, doubling the peak memory of a weight-heavy model).
    /// </summary>
    public static PackedMatrixB InPlace(float[] b, int k, int n)
    {
        if (Size(b, k, n) != b.Length) return Copy(b, k, n);
        var plain = b.AsSpan().ToArray();
        Pack(plain, k, n, b);
        return new PackedMatrixB(b, k, n);
    }

    private static long Size(ReadOnlySpan<float> b, int k, int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        if (b.Length < (long)k * n) throw new ArgumentException($"B holds {b.Length} values, a {k} x {n} matrix needs {(long)k * n}", nameof(b));
        long size = (long)k * PackedGemm.RoundUp(n, GemmMicroKernel.Columns);
        if (size > Array.MaxLength) throw new ArgumentException($"a {k} x {n} matrix is too large to pack", nameof(b));
        return size;
    }

    private static void Pack(ReadOnlySpan<float> b, int k, int n, float[] panels)
    {
        fixed (float* source = b)
        fixed (float* destination = panels)
            MatrixPanelPacker.Pack(source, n, false, 0, k, 0, n, destination);
    }
}
