using BenchmarkDotNet.Running;
using OnnxNorm.Runtime.Benchmarks;

// dotnet run -c Release --project benchmarks/OnnxNorm.Runtime.Benchmarks -- --quick [name filters...]
//   Stopwatch medians and GFLOP/s per ResNet-18 layer at 1 and 2 threads (seconds, not minutes).
//   `--quick handoff`: the work size where a 2-thread split starts to pay (worker pool and Parallel.For).
// Anything else is passed to BenchmarkDotNet (e.g. --filter '*Conv*').
if (args.Length > 0 && args[0] == "--quick")
{
    QuickTimer.Run(args[1..]);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(ConvBenchmarks).Assembly).Run(args);
