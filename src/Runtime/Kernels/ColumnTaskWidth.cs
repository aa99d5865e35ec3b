namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// The width of the GEMM's column tasks when several threads share the columns. Cutting into as many equal chunks as
/// a multiple of the thread count left a short last task: a 28x28 map's 784 columns went as 224 + 224 + 224 + 112,
/// so one thread did 448 while the other did 336. Here each candidate width (multiples of 32 columns, so results stay
/// bit-identical, see <see cref="PackedGemm"/>) is scored by handing its tasks out in order to whichever thread is
/// least loaded, as the worker pool's claims do, and the narrowest finish wins (784: 192 + 192 + 192 + 192 + 16).
/// </summary>
internal static class ColumnTaskWidth
{
    /// <summary>Widths tried, in columns: from a thread's useful minimum to one packed B block.</summary>
    private const int Step = 32, Narrowest = 128, Widest = PackedGemm.ColumnBlock;

    /// <summary>
    /// A task's fixed cost in columns of work: each column task streams the whole of A and repacks its B edge, so
    /// of two equally balanced widths the one with fewer tasks wins.
    /// </summary>
    private const int TaskCost = 16;

    private const int MaxThreads = 64;

    /// <summary>
    /// The best width for <paramref name="count"/> problems of <paramref name="n"/> columns on
    /// <paramref name="threads"/> threads; <paramref name="fallback"/> when there are too many threads to score.
    /// </summary>
    public static int Choose(int n, int count, int threads, int fallback)
    {
        if (threads > MaxThreads || n <= Narrowest) return fallback;
        Span<long> loads = stackalloc long[threads];
        int best = fallback;
        long bestFinish = Finish(n, count, fallback, loads);
        for (int width = Widest; width >= Narrowest; width -= Step)
        {
            long finish = Finish(n, count, width, loads);
            if (finish < bestFinish) (best, bestFinish) = (width, finish);
        }
        return best;
    }

    // When the last thread finishes: each task, in task order, goes to the least-loaded thread.
    private static long Finish(int n, int count, int width, Span<long> loads)
    {
        loads.Clear();
        for (int p = 0; p < count; p++)
            for (int j = 0; j < n; j += width)
            {
                int least = 0;
                for (int t = 1; t < loads.Length; t++)
                    if (loads[t] < loads[least]) least = t;
                loads[least] += Math.Min(width, n - j) + TaskCost;
            }
        long finish = 0;
        foreach (long load in loads) finish = Math.Max(finish, load);
        return finish;
    }
}
