using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Runtime.Benchmarks;

/// <summary>
/// `--quick handoff`: where splitting work across two threads starts to pay, for <see cref="WorkerPool"/> and for the
/// Parallel.For it replaced. The work is a calibrated arithmetic loop cut into fixed tasks; each size is timed on
/// one thread and on two, back to back as the ops of a model run are (the workers are spinning between calls).
/// </summary>
public static class HandOffTimer
{
    private readonly struct Busy(double[] sink, int iterationsPerTask) : IParallelTasks
    {
        public void Run(int task)
        {
            double x = task + 1.5;
            for (int i = 0; i < iterationsPerTask; i++) x = x * 0.999999 + 1e-7;
            sink[task * 8] = x; // one cache line per task
        }
    }

    public static void Run()
    {
        var sink = new double[8 * 64];
        // Iterations per microsecond of the dependent multiply-add chain on one core.
        var probe = new Busy(sink, 1_000_000);
        double probeSeconds = QuickTimer.MedianSeconds(() => probe.Run(0));
        double perMicrosecond = 1_000_000 / (probeSeconds * 1e6);
        Console.WriteLine($"{"work µs",8} {"tasks",5} {"1 thr µs",9} {"pool 2 thr",11} {"ratio",6} {"Parallel.For 2",15} {"ratio",6}");
        foreach (double micros in new[] { 2.0, 5, 10, 25, 50, 100, 400 })
        {
            int tasks = Math.Max(2, (int)(micros / 12));
            var job = new Busy(sink, (int)(micros * perMicrosecond / tasks));
            var options = new ParallelOptions { MaxDegreeOfParallelism = 2 };
            double one = QuickTimer.MedianSeconds(() => WorkerPool.Run(tasks, 1, job));
            double pool = QuickTimer.MedianSeconds(() => WorkerPool.Run(tasks, 2, job));
            double pf = QuickTimer.MedianSeconds(() => Parallel.For(0, tasks, options, t => job.Run(t)));
            Console.WriteLine($"{micros,8:F0} {tasks,5} {one * 1e6,9:F1} {pool * 1e6,11:F1} {pool / one,6:F2} {pf * 1e6,15:F1} {pf / one,6:F2}");
        }
    }
}
