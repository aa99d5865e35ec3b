using System.Buffers;
using System.Runtime.Intrinsics;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// Single-precision matrix multiply: C = alpha·op(A)·op(B) + beta·C, row-major with leading dimensions.
/// Large products run on the packed, cache-blocked <see cref="PackedGemm"/>; products with fewer than
/// <see cref="GemmMicroKernel.Rows"/> rows (FC layers at batch 1) are matrix-vector work and run as
/// vectorised dot products or row updates, which read B exactly once.
/// </summary>
internal static unsafe class Gemm
{
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, KernelTarget? target = null) =>
        Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, default, default, Activation.None, target);

    /// <summary>
    /// C = act(alpha·op(A)·op(B) + beta·C + rowBias[i] + columnBias[j]), the fused form of ONNX Gemm (+ Relu/Clip/LeakyRelu).
    /// Either bias may be empty; otherwise rowBias holds m values and columnBias n values. <paramref name="target"/>:
    /// the instruction set and threads (null: the CPU's best, one thread).
    /// </summary>
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc,
        ReadOnlySpan<float> rowBias, ReadOnlySpan<float> columnBias, Activation activation, KernelTarget? target = null)
    {
        var kernels = target ?? KernelTarget.Best();
        if (m <= 0 || n <= 0) return;
        if (!rowBias.IsEmpty && rowBias.Length < m) throw new ArgumentException($"row bias holds {rowBias.Length} values, needs {m}", nameof(rowBias));
        if (!columnBias.IsEmpty && columnBias.Length < n) throw new ArgumentException($"column bias holds {columnBias.Length} values, needs {n}", nameof(columnBias));
        // The kernels use raw pointers: check every operand covers what the shape says it reads or writes.
        if (k > 0)
        {
            Require(a.Length, transA ? (long)(k - 1) * lda + m : (long)(m - 1) * lda + k, transA ? m : k, lda, nameof(a));
            Require(b.Length, transB ? (long)(n - 1) * ldb + k : (long)(k - 1) * ldb + n, transB ? k : n, ldb, nameof(b));
        }
        Require(c.Length, (long)(m - 1) * ldc + n, n, ldc, nameof(c));
        if (k <= 0 || alpha == 0) k = 0;
        fixed (float* ap = a)
        fixed (float* bp = b)
        fixed (float* cp = c)
        fixed (float* rb = rowBias)
        fixed (float* cb = columnBias)
        {
            var args = new GemmArguments(transA, transB, m, n, k, alpha, ap, lda, bp, ldb, beta, cp, ldc,
                rowBias.IsEmpty ? null : rb, columnBias.IsEmpty ? null : cb, activation);
            if (k == 0) ScaleOnly(args);
            else if (m < GemmMicroKernel.Rows) SkinnyGemm.Run(args, kernels);
            else RunPacked(args, kernels);
        }
    }

    /// <summary>
    /// C[m, n] = A·B with B packed once (<see cref="PackedMatrixB"/>), then + columnBias[j] and the activation.
    /// The same bits as the overload taking B plain, at any thread count; any m (1..5 rows too, on the packed path).
    /// </summary>
    public static void Sgemm(int m, ReadOnlySpan<float> a, int lda, PackedMatrixB b, Span<float> c, int ldc,
        ReadOnlySpan<float> columnBias, Activation activation, KernelTarget? target = null)
    {
        var kernels = target ?? KernelTarget.Best();
        int n = b.N, k = b.K;
        if (m <= 0) return;
        if (!columnBias.IsEmpty && columnBias.Length < n) throw new ArgumentException($"column bias holds {columnBias.Length} values, needs {n}", nameof(columnBias));
        Require(a.Length, (long)(m - 1) * lda + k, k, lda, nameof(a));
        Require(c.Length, (long)(m - 1) * ldc + n, n, ldc, nameof(c));
        fixed (float* ap = a)
        fixed (float* bp = b.Panels)
        fixed (float* cp = c)
        fixed (float* cb = columnBias)
        {
            var args = new GemmArguments(false, false, m, n, k, 1f, ap, lda, null, n, 0f, cp, ldc, null, columnBias.IsEmpty ? null : cb, activation);
            RunPacked(args, kernels, bp);
        }
    }

    private static void Require(int length, long needed, int rowLength, int leadingDimension, string name)
    {
        if (leadingDimension < rowLength)
            throw new ArgumentException($"leading dimension {leadingDimension} of {name} is less than its row length {rowLength}", name);
        if (length < needed)
            throw new ArgumentException($"{name} holds {length} values, the product needs {needed}", name);
    }

    private static void ScaleOnly(in GemmArguments g)
    {
        for (int i = 0; i < g.M; i++)
            for (int j = 0; j < g.N; j++)
            {
                float* cij = g.C + (long)i * g.Ldc + j;
                float v = g.Beta == 0 ? 0 : g.Beta * *cij;
                if (g.RowBias != null) v += g.RowBias[i];
                if (g.ColumnBias != null) v += g.ColumnBias[j];
                *cij = ActivationMath.Scalar(v, g.Activation);
            }
    }

    private static void RunPacked(in GemmArguments g, in KernelTarget target, float* prepackedB = null)
    {
        if (g.Beta != 0 && g.Beta != 1)
            for (int i = 0; i < g.M; i++)
            {
                var row = new Span<float>(g.C + (long)i * g.Ldc, g.N);
                for (int j = 0; j < row.Length; j++) row[j] *= g.Beta;
            }
        int aSize = PackedMatrixA.Size(g.M, g.K);
        int paddedRows = PackedMatrixA.PaddedRows(g.M);
        float[] packedA = ArrayPool<float>.Shared.Rent(aSize + PackedMatrixA.ReadSlack);
        float[]? paddedRowBias = g.RowBias == null ? null : ArrayPool<float>.Shared.Rent(paddedRows);
        try
        {
            fixed (float* pa = packedA)
            fixed (float* prb = paddedRowBias)
            {
                // On the product's threads: packing a MatMul's activation (ConvNeXt-T: 43 MB a run) on one thread
                // while the other waited was a twentieth of the 2-thread run.
                var packing = g.TransA ? new APacking(g.A, 1, g.Lda, g.M, g.K, g.Alpha, pa) : new APacking(g.A, g.Lda, 1, g.M, g.K, g.Alpha, pa);
                ParallelRanges.Run(paddedRows / GemmMicroKernel.Rows, (long)GemmMicroKernel.Rows * g.K * ParallelWork.StreamedValueCost, target, packing);
                if (prb != null)
                {
                    new Span<float>(prb, paddedRows).Clear();
                    new ReadOnlySpan<float>(g.RowBias, g.M).CopyTo(new Span<float>(prb, g.M));
                }
                var problem = new MatrixProblem(g, pa, prb, prepackedB) { Activation = g.Activation, AccumulateIntoC = g.Beta != 0 };
                PackedGemm.Run(problem, target);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(packedA);
            if (paddedRowBias is not null) ArrayPool<float>.Shared.Return(paddedRowBias);
        }
    }

    private readonly struct APacking(float* a, int rowStride, int columnStride, int m, int k, float alpha, float* packed) : IRangeWork
    {
        public void Run(int first, int count) => PackedMatrixA.PackPanels(a, rowStride, columnStride, m, k, alpha, packed, first, count);
    }

    private sealed class MatrixProblem : PackedGemmProblem
    {
        private readonly GemmArguments _g;
        private readonly float* _packedA;
        private readonly float* _rowBias;
        private readonly float* _prepackedB;

        public MatrixProblem(in GemmArguments g, float* packedA, float* rowBias, float* prepackedB) : base(g.M, g.N, g.K, 1)
        {
            _g = g;
            _packedA = packedA;
            _rowBias = rowBias;
            _prepackedB = prepackedB;
        }

        public override float* PrepackedB(int index) => _prepackedB;

        public override int Ldc => _g.Ldc;
        public override float* PackedA(int index) => _packedA;
        public override float* C(int index) => _g.C;
        public override float* RowBias(int index) => _rowBias;
        public override float* ColumnBias(int index) => _g.ColumnBias;

        public override void PackB(int index, int pc, int kc, int jc, int nc, float* destination) =>
            MatrixPanelPacker.Pack(_g.B, _g.Ldb, _g.TransB, pc, kc, jc, nc, destination);
    }
}

/// <summary>The pointer form of one Sgemm call, shared by its execution paths.</summary>
internal readonly unsafe struct GemmArguments(bool transA, bool transB, int m, int n, int k, float alpha,
    float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, float* rowBias, float* columnBias, Activation activation)
{
    public readonly bool TransA = transA, TransB = transB;
    public readonly int M = m, N = n, K = k, Lda = lda, Ldb = ldb, Ldc = ldc;
    public readonly float Alpha = alpha, Beta = beta;
    public readonly float* A = a, B = b, C = c, RowBias = rowBias, ColumnBias = columnBias;
    public readonly Activation Activation = activation;
}
