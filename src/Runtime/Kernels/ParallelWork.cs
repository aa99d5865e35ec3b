namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// When a kernel's work is worth a hand-off to the thread pool. Waking a pool thread costs tens of
/// microseconds on an idle machine and hundreds when other processes keep the cores busy (the worker waits
/// for a time slice while the caller waits for the worker): PP-OCR's small convolutions ran 2-40x slower at
/// 2 threads than at 1 on a loaded machine. So work below about 100 µs stays on the calling thread.
/// Every kernel that asks splits its work into the same tasks whatever the answer, so the choice never
/// changes a result.
/// </summary>
internal static class ParallelWork
{
    /// <summary>About 100 µs of the packed GEMM's multiply-adds on one core.</summary>
    public const long MinGemmMultiplyAdds = 8_000_000;

    /// <summary>
    /// A depthwise multiply-add costs about five of the GEMM's (one load per multiply-add, no register reuse
    /// across output channels).
    /// </summary>
    public const int DepthwiseCost = 5;

    /// <summary>
    /// The threads to use for work worth <paramref name="gemmMultiplyAdds"/> split into <paramref name="tasks"/> tasks
    /// (<see cref="KernelTarget.SplitAllWork"/> splits even tiny work).
    /// </summary>
    public static int Threads(long gemmMultiplyAdds, in KernelTarget target, long tasks) =>
        target.Threads <= 1 || tasks <= 1 || (gemmMultiplyAdds < MinGemmMultiplyAdds && !target.SplitAllWork) ? 1 : (int)Math.Min(target.Threads, tasks);
}
