using System.Runtime.CompilerServices;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// The row-split GEMM (<see cref="PackedGemm"/> on 7x7 and 14x14 maps: too few columns to share out) with B packed
/// once for all its row tasks. Each row task used to pack the whole of B itself, so two threads both packed the
/// same im2col matrix (4608 x 49 for a 3x3 512-channel conv) and that part of the work did not shrink with threads.
/// Here the threads first pack B together, one (depth block, column block) per task, into one shared copy, then
/// the row tasks read it. The packed values and the micro-kernel calls are those of the per-task path, so results
/// are bit-identical to it and to one thread.
/// </summary>
internal static unsafe class SharedPackedB
{
    /// <summary>Larger B matrices keep the per-task packing: the copy would cost more memory than its packing time.</summary>
    public const int MaxFloats = 1 << 20;

    /// <summary>The smallest B whose packing is shared out among the threads.</summary>
    private const int MinSharedPackFloats = 32 * 1024;

    // One copy at a time: a second caller (another session, or a nested call from a task) takes the per-task path.
    private static float[]? s_buffer;
    private static int s_busy;

    /// <summary>
    /// Runs the problem as row tasks of at most <paramref name="rowsPerTask"/> rows (halved when that keeps them at
    /// least 4 micro-panels high, so a thread that falls behind can be caught up) over a shared packed B; false,
    /// having done nothing, when B is too large or the copy is in use.
    /// </summary>
    public static bool TryRun(PackedGemmProblem problem, in KernelTarget target, int threads, int rowsPerTask, KernelIsa isa)
    {
        const int mr = GemmMicroKernel.Rows, nr = GemmMicroKernel.Columns;
        int k = problem.K, n = problem.N;
        if (k == 0) return false;
        long perProblem = (long)k * PackedGemm.RoundUp(n, nr);
        if (perProblem * problem.Count > MaxFloats) return false;
        if (Interlocked.CompareExchange(ref s_busy, 1, 0) != 0) return false;
        try
        {
            int floats = (int)(perProblem * problem.Count);
            if (s_buffer is null || s_buffer.Length < floats + 16)
                s_buffer = GC.AllocateUninitializedArray<float>(floats + 16, pinned: true);
            nint address = (nint)Unsafe.AsPointer(ref s_buffer[0]);
            float* shared = (float*)((address + 63) & ~(nint)63);

            int depthBlocks = PackedGemm.CeilDiv(k, PackedGemm.DepthStep(k));
            int columnBlocks = PackedGemm.CeilDiv(n, PackedGemm.ColumnBlock);
            // A small B (a 1x1 map's one 16-column panel) is packed on this thread: handing out its blocks costs a
            // second hand-off for a few µs of copying (960->240 on a 1x1 map, 2 threads: 0.020 -> 0.015 ms), while a
            // 7x7 map's 672 x 64 still gains from two packers (0.034 -> 0.032 ms).
            int packThreads = perProblem * problem.Count >= MinSharedPackFloats || target.SplitAllWork ? threads : 1;
            WorkerPool.Run(problem.Count * columnBlocks * depthBlocks, packThreads, new PackTasks(problem, shared, perProblem, columnBlocks, depthBlocks));

            int half = PackedGemm.RoundUp(PackedGemm.CeilDiv(rowsPerTask, 2), mr);
            if (half >= 4 * mr) rowsPerTask = half;
            int rowTasks = PackedGemm.CeilDiv(problem.M, rowsPerTask);
            WorkerPool.Run(problem.Count * rowTasks, threads, new RowTasks(problem, shared, perProblem, rowTasks, rowsPerTask, isa));
            return true;
        }
        finally
        {
            Volatile.Write(ref s_busy, 0);
        }
    }

    // Task t packs problem t / (columnBlocks * depthBlocks)'s block of B at [column block, depth block], where the
    // GEMM reads it: column block jc at K * jc, its depth block pc at pc * (the block's width rounded to panels).
    private readonly struct PackTasks(PackedGemmProblem problem, float* shared, long perProblem, int columnBlocks, int depthBlocks) : IParallelTasks
    {
        public void Run(int task)
        {
            int index = task / (columnBlocks * depthBlocks), rest = task % (columnBlocks * depthBlocks);
            int k = problem.K, depthStep = PackedGemm.DepthStep(k);
            int jc = rest / depthBlocks * PackedGemm.ColumnBlock, pc = rest % depthBlocks * depthStep;
            int nc = Math.Min(PackedGemm.ColumnBlock, problem.N - jc), kc = Math.Min(depthStep, k - pc);
            float* block = shared + index * perProblem + (long)k * jc + (long)pc * PackedGemm.RoundUp(nc, GemmMicroKernel.Columns);
            problem.PackB(index, pc, kc, jc, nc, block);
        }
    }

    private readonly struct RowTasks(PackedGemmProblem problem, float* shared, long perProblem, int rowTasks, int rowsPerTask, KernelIsa isa) : IParallelTasks
    {
        public void Run(int task)
        {
            int index = task / rowTasks, i0 = task % rowTasks * rowsPerTask;
            PackedGemm.RunTile(problem, index, i0, Math.Min(problem.M, i0 + rowsPerTask), 0, problem.N, isa, shared + index * perProblem);
        }
    }
}
