using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// GEMM with only a few rows of A (an FC layer at batch 1..5): memory-bound on B, so instead of packing B
/// it is streamed once. With Bᵀ (ONNX Gemm transB=1, the usual FC layout) each output is a dot product of
/// two contiguous rows, B's rows taken in memory order; without it, each row of B is
/// added into the output row, scaled by one A element.
/// </summary>
internal static unsafe class SkinnyGemm
{
    private const int ColumnsPerTask = 64;

    public static void Run(GemmArguments g, in KernelTarget target)
    {
        int tasks = PackedGemm.CeilDiv(g.N, ColumnsPerTask);
        int threads = (long)g.M * g.N * g.K < 250_000 && !target.SplitAllWork ? 1 : target.Threads;
        if (threads <= 1 || tasks == 1)
        {
            RunColumns(g, 0, g.N);
            return;
        }
        WorkerPool.Run(tasks, threads, new Columns(g));
    }

    // Task t is output columns [64t, 64t + 64).
    private readonly struct Columns(GemmArguments g) : IParallelTasks
    {
        public void Run(int task) => RunColumns(g, task * ColumnsPerTask, Math.Min(g.N, (task + 1) * ColumnsPerTask));
    }

    private static void RunColumns(GemmArguments g, int j0, int j1)
    {
        int k = g.K, kPadded = k + 8;
        float* aRows = ThreadScratch.Get(g.M * kPadded + ColumnsPerTask + 8 + (g.TransB ? j1 - j0 : 0));
        float* acc = aRows + g.M * kPadded;
        // Contiguous copies of the rows of op(A), so the transA case reads them the same way.
        for (int i = 0; i < g.M; i++)
            for (int p = 0; p < k; p++) aRows[i * kPadded + p] = g.TransA ? g.A[(long)p * g.Lda + i] : g.A[(long)i * g.Lda + p];
        if (g.TransB)
        {
            for (int i = 0; i < g.M; i++)
            {
                DotColumns(aRows + i * kPadded, g.B, g.Ldb, k, j0, j1, acc);
                Store(g, i, j0, j1 - j0, acc);
            }
            return;
        }
        // 64 columns at a time, every row of A over them before the next: B's block stays in L1 for the rows.
        for (int jc = j0; jc < j1; jc += ColumnsPerTask)
        {
            int width = Math.Min(ColumnsPerTask, j1 - jc);
            for (int i = 0; i < g.M; i++)
            {
                AxpyRows(aRows + i * kPadded, g.B, g.Ldb, k, jc, width, acc);
                Store(g, i, jc, width, acc);
            }
        }
    }

    // C[i, j0 + j] = act(alpha·acc[j] (+ beta·C) (+ row bias) (+ column bias)), the vector lanes as the scalar form.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Store(GemmArguments g, int i, int j0, int width, float* acc)
    {
        float* cRow = g.C + (long)i * g.Ldc + j0;
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var alpha = Vector256.Create(g.Alpha);
            var beta = Vector256.Create(g.Beta);
            var rowBias = Vector256.Create(g.RowBias != null ? g.RowBias[i] : 0f);
            for (; j + 8 <= width; j += 8)
            {
                var v = alpha * Vector256.Load(acc + j);
                if (g.Beta != 0) v += beta * Vector256.Load(cRow + j);
                if (g.RowBias != null) v += rowBias;
                if (g.ColumnBias != null) v += Vector256.Load(g.ColumnBias + j0 + j);
                ActivationMath.Apply(v, g.Activation).Store(cRow + j);
            }
        }
        for (; j < width; j++)
        {
            float v = g.Alpha * acc[j];
            if (g.Beta != 0) v += g.Beta * cRow[j];
            if (g.RowBias != null) v += g.RowBias[i];
            if (g.ColumnBias != null) v += g.ColumnBias[j0 + j];
            cRow[j] = ActivationMath.Scalar(v, g.Activation);
        }
    }

    /// <summary>
    /// acc[j − j0] = a · row j of B for j in [j0, j1). The rows are taken one after another, so B (an FC layer's
    /// weights, streamed from memory: the rest of the network evicts them between runs) is read as one sequential
    /// stream, prefetched 4 KB ahead; four accumulators hide the FMA latency. Reading four rows at once instead
    /// (four short streams) ran at half the bandwidth: 24 chained 1000x1000 FC layers took 4.7-5.3 ms a run against
    /// ORT's 2.3-2.4, now 2.3-2.4 (minimums of 100 runs under load), and 2.55-2.6 without the prefetch.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotColumns(float* a, float* b, int ldb, int k, int j0, int j1, float* acc)
    {
        const int prefetchAhead = 1024; // floats
        float* end = b + (long)(j1 - 1) * ldb + k; // no prefetch past this task's rows
        for (int j = j0; j < j1; j++)
        {
            float* bj = b + (long)j * ldb;
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
            int p = 0;
            for (; p + 32 <= k; p += 32)
            {
                if (bj + p + prefetchAhead < end)
                {
                    Sse.Prefetch0(bj + p + prefetchAhead);
                    Sse.Prefetch0(bj + p + prefetchAhead + 16);
                }
                s0 = MultiplyAdd(Vector256.Load(a + p), Vector256.Load(bj + p), s0);
                s1 = MultiplyAdd(Vector256.Load(a + p + 8), Vector256.Load(bj + p + 8), s1);
                s2 = MultiplyAdd(Vector256.Load(a + p + 16), Vector256.Load(bj + p + 16), s2);
                s3 = MultiplyAdd(Vector256.Load(a + p + 24), Vector256.Load(bj + p + 24), s3);
            }
            for (; p + 8 <= k; p += 8) s0 = MultiplyAdd(Vector256.Load(a + p), Vector256.Load(bj + p), s0);
            float t = Vector256.Sum((s0 + s1) + (s2 + s3));
            for (; p < k; p++) t += a[p] * bj[p];
            acc[j - j0] = t;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> MultiplyAdd(Vector256<float> x, Vector256<float> y, Vector256<float> sum) =>
        Fma.IsSupported ? Fma.MultiplyAdd(x, y, sum) : sum + x * y;

    // acc[j] = Σ_p a[p]·B[p, j0 + j] over p in order, a zero a[p] skipped, each step a multiply then an add (no FMA),
    // so a full 64-column block held in four registers gives the bits of the step-by-step form.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AxpyRows(float* a, float* b, int ldb, int k, int j0, int width, float* acc)
    {
        if (width == 64 && Vector512.IsHardwareAccelerated)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (int p = 0; p < k; p++)
            {
                float ap = a[p];
                if (ap == 0) continue;
                float* bRow = b + (long)p * ldb + j0;
                var av = Vector512.Create(ap);
                s0 += av * Vector512.Load(bRow);
                s1 += av * Vector512.Load(bRow + 16);
                s2 += av * Vector512.Load(bRow + 32);
                s3 += av * Vector512.Load(bRow + 48);
            }
            s0.Store(acc);
            s1.Store(acc + 16);
            s2.Store(acc + 32);
            s3.Store(acc + 48);
            return;
        }
        new Span<float>(acc, width).Clear();
        for (int p = 0; p < k; p++)
        {
            float ap = a[p];
            if (ap == 0) continue;
            float* bRow = b + (long)p * ldb + j0;
            var av = Vector256.Create(ap);
            int j = 0;
            for (; j + 8 <= width; j += 8) Vector256.Store(Vector256.Load(acc + j) + av * Vector256.Load(bRow + j), acc + j);
            for (; j < width; j++) acc[j] += ap * bRow[j];
        }
    }
}
