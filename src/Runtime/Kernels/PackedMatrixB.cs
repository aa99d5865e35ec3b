using System.Runtime.CompilerServices;

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
    // Pinned, so the panels keep their address; 16 floats of slack to start on a 64-byte line.
    private readonly float[] _data;
    private readonly int _offset;

    /// <summary>Packs the row-major K x N matrix <paramref name="b"/>.</summary>
    public PackedMatrixB(ReadOnlySpan<float> b, int k, int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        if (b.Length < (long)k * n) throw new ArgumentException($"B holds {b.Length} values, a {k} x {n} matrix needs {(long)k * n}", nameof(b));
        K = k;
        N = n;
        long size = (long)k * PackedGemm.RoundUp(n, GemmMicroKernel.Columns);
        if (size > Array.MaxLength - 16) throw new ArgumentException($"a {k} x {n} matrix is too large to pack", nameof(b));
        _data = GC.AllocateUninitializedArray<float>((int)size + 16, pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref _data[0]);
        _offset = (int)(((address + 63) & ~(nint)63) - address) / sizeof(float);
        fixed (float* source = b)
            MatrixPanelPacker.Pack(source, n, false, 0, k, 0, n, Panels);
    }

    public int K { get; }
    public int N { get; }

    /// <summary>Panel 0, row 0; panel j starts K·16·j floats further.</summary>
    public float* Panels => (float*)Unsafe.AsPointer(ref _data[_offset]);

}
