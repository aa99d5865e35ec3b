using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// The executor's one way to run a kernel's tasks on several threads: long-lived background worker threads (as
/// many as the largest thread count asked for, minus one, process-wide) that the calling thread joins in the work.
/// <para>
/// Why not <c>Parallel.For</c>: each call paid a thread-pool wake-up (tens of µs idle) and allocated its closure and
/// options, so the many short ops of a MobileNet gained nothing from a second core. Here a worker that finishes a job
/// spins for <see cref="SpinMicroseconds"/> watching for the next one, so consecutive ops of a run hand off in a few
/// hundred nanoseconds, and only then blocks on its own semaphore, so an idle process keeps no core busy.
/// </para>
/// <para>
/// Tasks are claimed through one atomic word, so a thread that finishes early takes more; task t always computes
/// the same range (<see cref="IParallelTasks"/>), so results do not depend on who ran what. One job runs on the
/// workers at a time: a second caller (another session, or a task that itself asks for threads) runs its tasks
/// on its own thread instead of waiting.
/// </para>
/// </summary>
internal static unsafe class WorkerPool
{
    /// <summary>How long an idle worker watches for the next job before it blocks.</summary>
    public const int SpinMicroseconds = 50;

    // s_claim: bits 0-31 the tasks not yet claimed, 32-39 the helpers wanted, 40-63 the job number. One word, so a
    // worker that wakes late cannot claim a task of a newer job it has not read (the CAS compares the job number).
    private const int HelperShift = 32, JobShift = 40;
    private const long JobMask = ~0xFFFFFFFFL;
    private const int MaxHelpers = 255;
    // Pause units (~35 ns each) between two reads of the claim word. 20 (~0.7 µs) delayed every hand-off by about
    // half that on average, at both ends (a worker noticing a job, the caller noticing the last task done): `--quick
    // handoff` at 2 threads, 2 µs of work 2.1-2.6 -> 1.2 µs, 5 µs 3.5 -> 2.8, 10 µs 6.0 -> 5.3.
    private const int SpinIterations = 1;
    private static readonly long SpinTicks = Stopwatch.Frequency * SpinMicroseconds / 1_000_000;

    private static long s_claim;
    private static int s_busy;
    private static int s_tasks;
    private static int s_done;
    private static Exception? s_failure;
    private static void* s_work;
    private static delegate*<void*, int, void> s_invoke;
    private static Worker[] s_workers = [];

    /// <summary>The worker threads started so far (they live as long as the process, blocked when idle).</summary>
    public static int WorkerCount => Volatile.Read(ref s_workers).Length;

    /// <summary>
    /// Runs tasks 0..<paramref name="tasks"/>-1 of <paramref name="work"/> on up to <paramref name="threads"/> threads,
    /// the caller's included, and returns when all have finished. A task's exception is rethrown here (the first one,
    /// as the same exception); the tasks not started by then are skipped.
    /// </summary>
    public static void Run<TTasks>(int tasks, int threads, TTasks work) where TTasks : struct, IParallelTasks
    {
        int helpers = Math.Min(Math.Min(threads, tasks) - 1, MaxHelpers);
        if (helpers <= 0 || Interlocked.CompareExchange(ref s_busy, 1, 0) != 0)
        {
            for (int t = 0; t < tasks; t++) work.Run(t);
            return;
        }
        try
        {
            EnsureWorkers(helpers);
            // The workers read the job through this pointer to the caller's copy: `work` is a parameter, so it stays
            // on this stack frame (and its references stay reported to the GC) until every task has finished below.
            s_work = Unsafe.AsPointer(ref work);
            s_invoke = &Invoke<TTasks>;
            s_tasks = tasks;
            s_failure = null;
            s_done = 0;
            long job = ((Volatile.Read(ref s_claim) >>> JobShift) + 1) << JobShift;
            long claim = job | ((long)helpers << HelperShift) | (uint)tasks;
            Interlocked.Exchange(ref s_claim, claim); // a full fence: the fields above are visible before the claim
            var workers = s_workers;
            for (int i = 0; i < helpers; i++) workers[i].Wake();
            RunClaimed(claim & JobMask);
            // Every task is claimed; wait for the ones still running on workers (at most one each), spinning, then
            // yielding the core in case a worker waits for it.
            long waitStart = Stopwatch.GetTimestamp();
            while (Volatile.Read(ref s_done) != tasks)
            {
                if (Stopwatch.GetTimestamp() - waitStart < SpinTicks) Thread.SpinWait(SpinIterations);
                else Thread.Yield();
            }
            s_work = null;
            if (s_failure is { } failure) ExceptionDispatchInfo.Throw(failure);
        }
        finally
        {
            Volatile.Write(ref s_busy, 0);
        }
    }

    private static void Invoke<TTasks>(void* work, int task) where TTasks : struct, IParallelTasks =>
        Unsafe.AsRef<TTasks>(work).Run(task);

    // Claims and runs tasks of the job whose high bits are `job` until none is left. After a successful claim the
    // job cannot end (its caller waits for this task), so reading its fields is safe until s_done counts it.
    private static void RunClaimed(long job)
    {
        while (true)
        {
            long c = Volatile.Read(ref s_claim);
            while (true)
            {
                if ((c & JobMask) != job || (uint)c == 0) return;
                long seen = Interlocked.CompareExchange(ref s_claim, c - 1, c);
                if (seen == c) break;
                c = seen;
            }
            int task = s_tasks - (int)(uint)c;
            if (Volatile.Read(ref s_failure) is null)
            {
                try { s_invoke(s_work, task); }
                catch (Exception e) { Interlocked.CompareExchange(ref s_failure, e, null); }
            }
            Interlocked.Increment(ref s_done);
        }
    }

    // Called only while holding s_busy, so no job is running and the array is not being read by a caller.
    private static void EnsureWorkers(int helpers)
    {
        var workers = s_workers;
        if (workers.Length >= helpers) return;
        var grown = new Worker[helpers];
        Array.Copy(workers, grown, workers.Length);
        long job = Volatile.Read(ref s_claim) >>> JobShift;
        for (int i = workers.Length; i < helpers; i++) grown[i] = new Worker(i, job);
        Volatile.Write(ref s_workers, grown);
    }

    private sealed class Worker
    {
        private readonly int _index;
        private long _lastJob;
        private int _sleeping;
        private readonly SemaphoreSlim _wake = new(0);

        public Worker(int index, long currentJob)
        {
            _index = index;
            _lastJob = currentJob;
            new Thread(Loop) { IsBackground = true, Name = $"OnnxNorm worker {index + 1}" }.Start();
        }

        /// <summary>Releases the worker if it is blocked; a spinning worker sees the new job by itself.</summary>
        public void Wake()
        {
            if (Interlocked.CompareExchange(ref _sleeping, 0, 1) == 1) _wake.Release();
        }

        private void Loop()
        {
            while (true)
            {
                long claim = NextJob();
                _lastJob = claim >>> JobShift;
                // A job that wants fewer helpers than this worker's rank is not this worker's to join.
                if ((int)((claim >> HelperShift) & 0xFF) > _index) RunClaimed(claim & JobMask);
            }
        }

        // Spins briefly for a job newer than the last one seen, then blocks until a caller wakes it.
        private long NextJob()
        {
            while (true)
            {
                // Pure spinning, no yield: under load a yield hands the core to another process for a whole time
                // slice, and the job is over before the worker is back.
                long start = Stopwatch.GetTimestamp();
                do
                {
                    long claim = Volatile.Read(ref s_claim);
                    if (claim >>> JobShift != _lastJob) return claim;
                    Thread.SpinWait(SpinIterations);
                }
                while (Stopwatch.GetTimestamp() - start < SpinTicks);

                Interlocked.Exchange(ref _sleeping, 1);
                long latest = Volatile.Read(ref s_claim);
                if (latest >>> JobShift != _lastJob)
                {
                    // A caller that already took the flag has released the semaphore: consume that release.
                    if (Interlocked.CompareExchange(ref _sleeping, 0, 1) == 0) _wake.Wait();
                    return latest;
                }
                _wake.Wait();
            }
        }
    }
}
