namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// How one kernel call may use the machine: the instruction set, an upper bound on threads, and whether work
/// too small to be worth a hand-off is split anyway (tests use it to exercise the multi-threaded tilings on small
/// shapes; results never depend on it). Passed in by the caller, so nothing about it is process-wide.
/// </summary>
internal readonly record struct KernelTarget(KernelIsa Isa, int Threads = 1, bool SplitAllWork = false)
{
    /// <summary>The CPU's best instruction set with <paramref name="threads"/> threads.</summary>
    public static KernelTarget Best(int threads = 1) => new(KernelSupport.Best, threads);

    /// <summary>The instruction set the kernels actually run: <see cref="Isa"/> lowered to what the CPU has.</summary>
    public KernelIsa RunnableIsa => KernelSupport.Limit(Isa);
}
