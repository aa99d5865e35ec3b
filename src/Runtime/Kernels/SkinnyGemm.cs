using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// GEMM with only a few rows of A (an FC layer at batch 1..5): memory-bound on B, so instead of packing B
/// it is streamed once. With Bᵀ (ONNX Gemm transB=1, the usual FC layout) each output is a dot product of
/// two contiguous rows, done four outputs at a time to reuse the A loads; without it, each row of B is
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
        int k = g.K;
        float* aRow = ThreadScratch.Get(k + 8 + (j1 - j0) + 8);
        float* acc = aRow + k + 8;
        for (int i = 0; i < g.M; i++)
        {
            // A contiguous copy of row i of op(A), so the transA case reads it the same way.
            for (int p = 0; p < k; p++) aRow[p] = g.TransA ? g.A[(long)p * g.Lda + i] : g.A[(long)i * g.Lda + p];
            int width = j1 - j0;
            if (g.TransB) DotColumns(aRow, g.B, g.Ldb, k, j0, j1, acc);
            else AxpyRows(aRow, g.B, g.Ldb, k, j0, width, acc);
            float* cRow = g.C + (long)i * g.Ldc + j0;
            for (int j = 0; j < width; j++)
            {
                float v = g.Alpha * acc[j];
                if (g.Beta != 0) v += g.Beta * cRow[j];
                if (g.RowBias != null) v += g.RowBias[i];
                if (g.ColumnBias != null) v += g.ColumnBias[j0 + j];
                cRow[j] = ActivationMath.Scalar(v, g.Activation);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotColumns(float* a, float* b, int ldb, int k, int j0, int j1, float* acc)
    {
        int j = j0;
        for (; j + 4 <= j1; j += 4)
        {
            float* b0 = b + (long)j * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
            int p = 0;
            for (; p + 8 <= k; p += 8)
            {
                var av = Vector256.Load(a + p);
                s0 += av * Vector256.Load(b0 + p);
                s1 += av * Vector256.Load(b1 + p);
                s2 += av * Vector256.Load(b2 + p);
                s3 += av * Vector256.Load(b3 + p);
            }
            float t0 = Vector256.Sum(s0), t1 = Vector256.Sum(s1), t2 = Vector256.Sum(s2), t3 = Vector256.Sum(s3);
            for (; p < k; p++)
            {
                t0 += a[p] * b0[p]; t1 += a[p] * b1[p]; t2 += a[p] * b2[p]; t3 += a[p] * b3[p];
            }
            acc[j - j0] = t0; acc[j - j0 + 1] = t1; acc[j - j0 + 2] = t2; acc[j - j0 + 3] = t3;
        }
        for (; j < j1; j++)
        {
            float* bj = b + (long)j * ldb;
            Vector256<float> s = default;
            int p = 0;
            for (; p + 8 <= k; p += 8) s += Vector256.Load(a + p) * Vector256.Load(bj + p);
            float t = Vector256.Sum(s);
            for (; p < k; p++) t += a[p] * bj[p];
            acc[j - j0] = t;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AxpyRows(float* a, float* b, int ldb, int k, int j0, int width, float* acc)
    {
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
