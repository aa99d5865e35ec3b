using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Kernels.Tests;

// The pool runs one job at a time process-wide; other test classes running beside these would make a caller fall
// back to its own thread and hide what the tests look at.
[CollectionDefinition(nameof(WorkerPoolTests), DisableParallelization = true)]
public class WorkerPoolCollection;

/// <summary>
/// <see cref="WorkerPool"/>: every task runs exactly once whoever claims it, the calling thread and a worker run at
/// the same time, a task's exception reaches the caller as itself, nested and concurrent callers are safe, and a
/// steady-state hand-off allocates nothing.
/// </summary>
[Collection(nameof(WorkerPoolTests))]
public class WorkerPoolTests
{
    private readonly struct Count(int[] runs) : IParallelTasks
    {
        public void Run(int task) => Interlocked.Increment(ref runs[task]);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1000, 1)]
    [InlineData(1000, 2)]
    [InlineData(1000, 4)]
    [InlineData(3, 8)]
    public void Every_task_runs_exactly_once(int tasks, int threads)
    {
        for (int round = 0; round < 50; round++)
        {
            var runs = new int[tasks];
            WorkerPool.Run(tasks, threads, new Count(runs));
            Assert.All(runs, r => Assert.Equal(1, r));
        }
    }

    // Each of the first two tasks waits (up to 10 s) until both have started: only two threads at once pass quickly.
    private readonly struct Meet(int[] entered, int[] threadIds) : IParallelTasks
    {
        public void Run(int task)
        {
            threadIds[task] = Environment.CurrentManagedThreadId;
            if (task >= 2) return;
            Interlocked.Increment(ref entered[0]);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (Volatile.Read(ref entered[0]) < 2 && DateTime.UtcNow < deadline) Thread.Yield();
        }
    }

    [Fact]
    public void The_calling_thread_and_a_worker_run_tasks_at_the_same_time()
    {
        var entered = new int[1];
        var threadIds = new int[8];
        WorkerPool.Run(8, 2, new Meet(entered, threadIds));
        Assert.Equal(2, entered[0]);
        Assert.Contains(Environment.CurrentManagedThreadId, threadIds);
        Assert.Equal(2, threadIds.Distinct().Count());
        Assert.True(WorkerPool.WorkerCount >= 1);
    }

    private readonly struct Throw(int failing) : IParallelTasks
    {
        public void Run(int task)
        {
            if (task == failing) throw new InvalidDataException($"task {task} failed");
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(37)]
    [InlineData(63)]
    public void A_task_exception_reaches_the_caller_as_the_same_exception_and_the_pool_keeps_working(int failing)
    {
        var error = Assert.Throws<InvalidDataException>(() => WorkerPool.Run(64, 2, new Throw(failing)));
        Assert.Equal($"task {failing} failed", error.Message);
        var runs = new int[64];
        WorkerPool.Run(64, 2, new Count(runs));
        Assert.All(runs, r => Assert.Equal(1, r));
    }

    private readonly struct Nested(int[][] inner) : IParallelTasks
    {
        public void Run(int task) => WorkerPool.Run(inner[task].Length, 2, new Count(inner[task]));
    }

    [Fact]
    public void A_task_that_itself_asks_for_threads_runs_its_tasks_without_deadlock()
    {
        var inner = Enumerable.Range(0, 16).Select(_ => new int[100]).ToArray();
        WorkerPool.Run(16, 2, new Nested(inner));
        Assert.All(inner, runs => Assert.All(runs, r => Assert.Equal(1, r)));
    }

    [Fact]
    public void Concurrent_callers_each_get_every_task_of_their_own_job_run_exactly_once()
    {
        const int callers = 4, jobs = 300, tasks = 37;
        var failures = new int[callers];
        var threads = Enumerable.Range(0, callers).Select(c => new Thread(() =>
        {
            for (int j = 0; j < jobs; j++)
            {
                var runs = new int[tasks];
                WorkerPool.Run(tasks, 2 + c % 2, new Count(runs));
                if (runs.Any(r => r != 1)) failures[c]++;
            }
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) Assert.True(t.Join(TimeSpan.FromMinutes(2)), "a caller did not finish");
        Assert.All(failures, f => Assert.Equal(0, f));
    }

    [Fact]
    public void A_steady_state_hand_off_allocates_nothing_on_the_calling_thread()
    {
        var runs = new int[64];
        for (int i = 0; i < 10; i++) WorkerPool.Run(64, 2, new Count(runs));
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) WorkerPool.Run(64, 2, new Count(runs));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.All(runs, r => Assert.Equal(1010, r));
    }

    [Fact]
    public void Repeated_calls_reuse_the_same_workers()
    {
        WorkerPool.Run(16, 3, new Count(new int[16]));
        int workers = WorkerPool.WorkerCount;
        Assert.True(workers >= 2, $"{workers} workers after a 3-thread job");
        for (int i = 0; i < 200; i++) WorkerPool.Run(16, 3, new Count(new int[16]));
        Assert.Equal(workers, WorkerPool.WorkerCount);
    }
}
