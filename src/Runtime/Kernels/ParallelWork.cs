namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// When a kernel's work is worth a hand-off to <see cref="WorkerPool"/>. With Parallel.For a hand-off woke a
/// thread-pool thread (tens of µs idle, hundreds under load: PP-OCR's small convolutions ran 2-40x slower at 2
/// threads than at 1), so the threshold was about 100 µs of work. The pool's workers spin between the ops of a run
/// and the caller works meanwhile: a hand-off costs ~0.1 µs against Parallel.For's ~7, and two threads halve work
/// from ~10 µs up (`--quick handoff` in the runtime benchmarks). So the threshold is now about 12 µs; below it, the
/// last task a late worker claims can cost more than the split saves. Every kernel that asks splits its work into
/// the same tasks whatever the answer, so the choice never changes a result.
/// </summary>
internal static class ParallelWork
{
    /// <summary>About 12 µs of the packed GEMM's multiply-adds on one core.</summary>
    public const long MinGemmMultiplyAdds = 1_000_000;

    /// <summary>
    /// A packed GEMM narrower than this many columns costs as if it had this many: its time goes into streaming A
    /// (the weights), one load per few multiply-adds. A squeeze-excitation block's 960->240 1x1 conv on a 1x1 map,
    /// 230K multiply-adds, takes 20 µs, the time of 1.7M in a wide GEMM, and ran on one thread.
    /// </summary>
    public const int NarrowGemmColumns = 8;

    /// <summary>The packed GEMM's work in wide-GEMM multiply-adds (<see cref="NarrowGemmColumns"/>).</summary>
    public static long GemmCost(int m, int n, int k, int count) => (long)m * Math.Max(n, NarrowGemmColumns) * k * count;

    /// <summary>
    /// A depthwise multiply-add costs about five of the GEMM's (one load per multiply-add, no register reuse
    /// across output channels). Re-measured after the AVX-512 depthwise kernel (kernel benchmark, 1 thread): 2.8-4x
    /// at stride 1 (56-81 GFLOP/s against the GEMM's ~225), 7.5x at stride 2; five sits between, and no corpus
    /// layer lies near the threshold where the difference would change a decision.
    /// </summary>
    public const int DepthwiseCost = 5;

    /// <summary>
    /// A value streamed through a vector loop (a broadcast Add/Mul row, a pooled plane) costs about ten of the
    /// GEMM's multiply-adds: it is bound by memory, ~0.1 ns. Under the loaded machine's hand-off cost, a lower
    /// threshold made GlobalAveragePool 25x slower at 2 threads.
    /// </summary>
    public const int StreamedValueCost = 10;

    /// <summary>
    /// A value through a vectorised activation or unary function (Sigmoid, SiLU, Erf, Tanh: a vector Exp or
    /// polynomial, ~0.3-1 ns) costs about thirty.
    /// </summary>
    public const int ActivationValueCost = 30;

    /// <summary>A value moved through an index map (Transpose: the map read and a scattered load) costs about twenty.</summary>
    public const int GatheredValueCost = 20;

    /// <summary>A value copied by Array.Copy (Concat) costs about five.</summary>
    public const int CopiedValueCost = 5;

    /// <summary>A MaxPool window read (scalar max) costs about twenty.</summary>
    public const int WindowReadCost = 20;

    /// <summary>
    /// A resized value (float32 vectors: a blend of two buffered rows, the width pass once per source row)
    /// costs about ten, like a streamed value.
    /// </summary>
    public const int ResampledValueCost = 10;

    /// <summary>A value normalised by LayerNormalization's scalar double passes (~2 ns) costs about 150.</summary>
    public const int NormalizedValueCost = 150;

    /// <summary>
    /// The smallest task <see cref="Tasks"/> cuts: about 6 µs of GEMM multiply-adds (work at the threshold is two
    /// tasks), so a task's claim (one atomic operation) is noise, and up to <see cref="MaxTasks"/> of them let two or
    /// four threads finish together.
    /// </summary>
    public const long MinTaskWork = 500_000;

    /// <summary>At most this many ranges per call.</summary>
    public const int MaxTasks = 32;

    /// <summary>
    /// How many fixed ranges to cut <paramref name="items"/> items worth <paramref name="gemmMultiplyAdds"/> into:
    /// from the size of the work alone, never from the thread count (<see cref="KernelTarget.SplitAllWork"/> cuts even
    /// tiny work into as many as it can).
    /// </summary>
    public static int Tasks(long gemmMultiplyAdds, long items, in KernelTarget target) =>
        (int)Math.Max(1, Math.Min(Math.Min(items, MaxTasks), target.SplitAllWork ? long.MaxValue : gemmMultiplyAdds / MinTaskWork));

    /// <summary>
    /// The threads to use for work worth <paramref name="gemmMultiplyAdds"/> split into <paramref name="tasks"/> tasks
    /// (<see cref="KernelTarget.SplitAllWork"/> splits even tiny work).
    /// </summary>
    public static int Threads(long gemmMultiplyAdds, in KernelTarget target, long tasks) =>
        target.Threads <= 1 || tasks <= 1 || (gemmMultiplyAdds < MinGemmMultiplyAdds && !target.SplitAllWork) ? 1 : (int)Math.Min(target.Threads, tasks);
}
