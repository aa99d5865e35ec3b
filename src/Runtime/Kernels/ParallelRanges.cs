namespace OnnxNorm.Runtime.Kernels;

/// <summary>A kernel's work over items [first, first + count) (rows, planes, elements); a struct, so no closure.</summary>
internal interface IRangeWork
{
    void Run(int first, int count);
}

/// <summary>
/// Work over independent items (elementwise values, rows, planes) cut into contiguous ranges for
/// <see cref="WorkerPool"/>. The cut depends only on the work's size (<see cref="ParallelWork.Tasks"/>), never on
/// the thread count, and each item is computed by the same code whichever range holds it.
/// </summary>
internal static class ParallelRanges
{
    /// <summary>
    /// Runs <paramref name="work"/> over [0, <paramref name="items"/>), each item worth <paramref name="itemCost"/> GEMM
    /// multiply-adds (<see cref="ParallelWork"/>), on the target's threads when that is worth it. Range edges fall on
    /// multiples of <paramref name="align"/> items, so a vector loop's scalar tail only ever covers the end of the
    /// whole run, as on one thread.
    /// </summary>
    public static void Run<TWork>(int items, long itemCost, in KernelTarget target, TWork work, int align = 1) where TWork : struct, IRangeWork
    {
        if (items <= 0) return;
        long cost = items * Math.Max(itemCost, 1);
        int tasks = ParallelWork.Tasks(cost, items, target);
        int threads = ParallelWork.Threads(cost, target, tasks);
        if (threads <= 1) { work.Run(0, items); return; }
        int per = (items + tasks - 1) / tasks;
        per = (per + align - 1) / align * align;
        WorkerPool.Run((items + per - 1) / per, threads, new Cut<TWork>(work, items, per));
    }

    private readonly struct Cut<TWork>(TWork work, int items, int per) : IParallelTasks where TWork : struct, IRangeWork
    {
        public void Run(int task)
        {
            int first = task * per;
            work.Run(first, Math.Min(per, items - first));
        }
    }
}
