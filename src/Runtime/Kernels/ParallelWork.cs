namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// When a kernel's work is worth a hand-off to the thread pool. Waking a pool thread costs tens of
/// microseconds, and far more when the cores are busy with other processes (the scheduler must give the
/// worker a time slice), so small work stays on the calling thread. Every kernel that asks splits its work
/// into the same tasks whatever the answer, so the choice never changes a result.
/// </summary>
internal static class ParallelWork
{
    /// <summary>Below this many multiply-adds (about 20-50 µs of work) one thread is faster.</summary>
    public const long MinMultiplyAdds = 250_000;

    /// <summary>The threads to use for <paramref name="multiplyAdds"/> of work in <paramref name="tasks"/> tasks.</summary>
    public static int Threads(long multiplyAdds, int threads, long tasks) =>
        threads <= 1 || tasks <= 1 || multiplyAdds < MinMultiplyAdds ? 1 : (int)Math.Min(threads, tasks);
}
