namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// A kernel's work cut into numbered tasks for <see cref="WorkerPool"/>. Task t must compute the same range of
/// the output whichever thread runs it and however many threads there are, so the thread count never changes a
/// result. A struct, so a hand-off allocates nothing (no closure per operator call).
/// </summary>
internal interface IParallelTasks
{
    void Run(int task);
}
