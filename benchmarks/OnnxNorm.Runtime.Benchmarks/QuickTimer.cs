using System.Runtime.InteropServices;
using System.Diagnostics;
using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Runtime.Benchmarks;

/// <summary>
/// A fast Stopwatch-median mode for iterating on kernels (BenchmarkDotNet takes many minutes per run on a
/// 2-core machine). Medians, because other work shares these cores.
/// </summary>
public static class QuickTimer
{
    /// <summary>The fastest run: what the kernel does when nothing else wants the core (for A/B comparisons).</summary>
    public static bool ReportBest { get; set; }

    /// <summary>
    /// Time the calling thread spent on a CPU (Linux schedstat), which excludes the time other processes
    /// held the core. Meaningful for single-threaded runs only; null where unavailable.
    /// </summary>
    public static bool UseThreadCpuTime { get; set; }

    private static double ThreadCpuSeconds()
    {
        // CLOCK_THREAD_CPUTIME_ID = 3 on Linux: nanosecond-precise, unlike /proc's tick-based accounting.
        if (ClockGetTime(3, out var ts) != 0) throw new InvalidOperationException("clock_gettime failed");
        return ts.Seconds + ts.Nanoseconds * 1e-9;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    public static double MedianSeconds(Action action, double budgetSeconds = 0.4, int minRuns = 5, bool cpuTime = false)
    {
        // Warm-up (JIT tiers, thread-local scratch, pool threads): a quarter second, since tier-1 code only
        // arrives after ~30 calls plus a background delay.
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed.TotalSeconds < 0.25) action();
        // Batches of at least ~2 ms so the clock's own cost stays negligible for the small layers.
        long probe = Stopwatch.GetTimestamp();
        action();
        double once = Math.Max(1e-6, Stopwatch.GetElapsedTime(probe).TotalSeconds);
        int batch = Math.Max(1, (int)(0.002 / once));
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < minRuns || (total.Elapsed.TotalSeconds < budgetSeconds && times.Count < 1000))
        {
            if (cpuTime)
            {
                double start = ThreadCpuSeconds();
                for (int i = 0; i < batch; i++) action();
                times.Add((ThreadCpuSeconds() - start) / batch);
            }
            else
            {
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < batch; i++) action();
                times.Add(Stopwatch.GetElapsedTime(start).TotalSeconds / batch);
            }
        }
        times.Sort();
        return ReportBest ? times[0] : times[times.Count / 2];
    }

    public static void Run(string[] filters)
    {
        bool Wanted(string name) => filters.Length == 0 || filters.Any(f => name.Contains(f, StringComparison.OrdinalIgnoreCase));
        if (filters.Contains("--best")) { ReportBest = true; filters = filters.Where(f => f != "--best").ToArray(); }
        var isa = KernelSupport.Best;
        if (filters.Contains("--avx2"))
        {
            // The AVX2 (Vector256) micro-kernels only, as on CPUs without full-width AVX-512.
            isa = KernelSupport.Limit(KernelIsa.Avx2);
            filters = filters.Where(f => f != "--avx2").ToArray();
            Console.WriteLine("AVX2 kernels only");
        }
        if (filters.Contains("handoff")) { HandOffTimer.Run(); return; }
        KernelTarget oneThread = new(isa, 1), twoThreads = new(isa, 2);
        if (filters.Contains("--cpu")) { UseThreadCpuTime = true; filters = filters.Where(f => f != "--cpu").ToArray(); }
        Console.WriteLine((ReportBest ? "fastest run of each" : "median run of each")
            + (UseThreadCpuTime ? "; 1-thread column is thread CPU time (excludes time other processes held the core)" : ""));
        Console.WriteLine($"{"layer",-28} {"GFLOP",7} {"x",2} {"1 thr ms",9} {"GFLOP/s",8} {"2 thr ms",9} {"GFLOP/s",8}");
        double total1 = 0, total2 = 0, totalFlops = 0;
        // "conv:C,M,size,kernel,stride,pad[,group[,dilation]]" filters time extra square convolutions.
        var extraConvs = filters.Where(f => f.StartsWith("conv:", StringComparison.Ordinal))
            .Select(f => f[5..].Split(',').Select(int.Parse).ToArray())
            .Select(v => ResNet18Layers.Make($"conv {v[0]}->{v[1]} @{v[2]} k{v[3]}/{v[4]}" + (v.Length > 6 ? $" g{v[6]}" : "") + (v.Length > 7 ? $" d{v[7]}" : ""),
                v[0], v[1], v[2], v[3], v[4], v[5], 1, v.Length > 6 ? v[6] : 1, v.Length > 7 ? v[7] : 1)).ToArray();
        foreach (var layer in ResNet18Layers.All.Concat(extraConvs))
        {
            if (!Wanted(layer.Name) && !extraConvs.Contains(layer)) continue;
            var (kernel, x, y) = ResNet18Layers.Instantiate(layer.Geometry);
            double flops = 2.0 * layer.Geometry.MultiplyAdds;
            double t1 = MedianSeconds(() => kernel.Run(x, y, oneThread), cpuTime: UseThreadCpuTime);
            double t2 = MedianSeconds(() => kernel.Run(x, y, twoThreads));
            total1 += t1 * layer.Count; total2 += t2 * layer.Count; totalFlops += flops * layer.Count;
            Console.WriteLine($"{layer.Name,-28} {flops / 1e9,7:F3} {layer.Count,2} {t1 * 1e3,9:F3} {flops / t1 / 1e9,8:F1} {t2 * 1e3,9:F3} {flops / t2 / 1e9,8:F1}");
        }
        if (totalFlops > 0)
            Console.WriteLine($"{"all convs (weighted)",-28} {totalFlops / 1e9,7:F3} {"",2} {total1 * 1e3,9:F3} {totalFlops / total1 / 1e9,8:F1} {total2 * 1e3,9:F3} {totalFlops / total2 / 1e9,8:F1}");
        // "swish:N", "sigmoid:N", "relu:N", "clip:N", "hardswish:N", "erf:N" time an elementwise function over N floats (1 thread).
        string[] elementwise = ["swish:", "sigmoid:", "relu:", "clip:", "hardswish:", "erf:"];
        foreach (var f in filters.Where(f => elementwise.Any(e => f.StartsWith(e, StringComparison.Ordinal))))
        {
            string kind = f[..f.IndexOf(':')];
            int count = int.Parse(f[(kind.Length + 1)..]);
            var rng = new Random(3);
            var values = Enumerable.Range(0, count).Select(_ => (float)(rng.NextDouble() * 8 - 4)).ToArray();
            var output = new float[count];
            var act = kind switch
            {
                "swish" => new Activation(FusedActivation.Swish),
                "relu" => Activation.Relu,
                "clip" => new Activation(FusedActivation.Clip, Min: 0, Max: 6),
                "hardswish" => new Activation(FusedActivation.HardSwish),
                _ => new Activation(FusedActivation.Sigmoid),
            };
            double t = MedianSeconds(kind == "erf" ? () => ErfMath.Apply(values, output) : () => ActivationMath.Apply(values, output, act, isa), cpuTime: UseThreadCpuTime);
            Console.WriteLine($"{f,-28} {t * 1e3,9:F3} ms  {t * 1e9 / count,6:F2} ns/value");
        }
        // "gemm:MxNxK[T]" filters time extra GEMM shapes (without T also with B packed once).
        var extra = filters.Where(f => f.StartsWith("gemm:", StringComparison.Ordinal)).Select(f => f[5..]).ToArray();
        foreach (var shape in new[] { "512x512x512", "64x3136x576", "1x1000x512T" }.Concat(extra))
        {
            if (!Wanted(shape) && !extra.Contains(shape)) continue;
            var (m, n, k, transB) = GemmShapes.Parse(shape);
            var rng = new Random(2);
            var a = Enumerable.Range(0, m * k).Select(_ => (float)rng.NextDouble()).ToArray();
            var b = Enumerable.Range(0, k * n).Select(_ => (float)rng.NextDouble()).ToArray();
            var c = new float[m * n];
            double flops = 2.0 * m * n * k;
            double t1 = MedianSeconds(() => Gemm.Sgemm(false, transB, m, n, k, 1f, a, k, b, transB ? k : n, 0f, c, n, oneThread), cpuTime: UseThreadCpuTime);
            double t2 = MedianSeconds(() => Gemm.Sgemm(false, transB, m, n, k, 1f, a, k, b, transB ? k : n, 0f, c, n, twoThreads));
            Console.WriteLine($"{"gemm " + shape,-28} {flops / 1e9,7:F3} {"",2} {t1 * 1e3,9:F3} {flops / t1 / 1e9,8:F1} {t2 * 1e3,9:F3} {flops / t2 / 1e9,8:F1}");
            if (transB) continue;
            // The same product with B packed once (a MatMul's constant weights).
            var packed = PackedMatrixB.InPlace((float[])b.Clone(), k, n);
            t1 = MedianSeconds(() => Gemm.Sgemm(m, a, k, packed, c, n, default, Activation.None, oneThread), cpuTime: UseThreadCpuTime);
            t2 = MedianSeconds(() => Gemm.Sgemm(m, a, k, packed, c, n, default, Activation.None, twoThreads));
            Console.WriteLine($"{"gemm " + shape + " packed B",-28} {flops / 1e9,7:F3} {"",2} {t1 * 1e3,9:F3} {flops / t1 / 1e9,8:F1} {t2 * 1e3,9:F3} {flops / t2 / 1e9,8:F1}");
        }
    }
}
