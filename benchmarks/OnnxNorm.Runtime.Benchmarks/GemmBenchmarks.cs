using BenchmarkDotNet.Attributes;
using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Runtime.Benchmarks;

/// <summary>Plain Sgemm on a square product, a conv-like product and ResNet-18's FC layer (transB).</summary>
public class GemmBenchmarks
{
    private float[] _a = [], _b = [], _c = [];

    [Params("512x512x512", "64x3136x576", "1x1000x512T")]
    public string Shape { get; set; } = "";

    [Params(1, 2)]
    public int Threads { get; set; }

    private (int M, int N, int K, bool TransB) Dims => GemmShapes.Parse(Shape);

    [GlobalSetup]
    public void Setup()
    {
        var (m, n, k, _) = Dims;
        var rng = new Random(2);
        _a = Enumerable.Range(0, m * k).Select(_ => (float)rng.NextDouble()).ToArray();
        _b = Enumerable.Range(0, k * n).Select(_ => (float)rng.NextDouble()).ToArray();
        _c = new float[m * n];
    }

    [Benchmark]
    public void Sgemm()
    {
        var (m, n, k, transB) = Dims;
        Gemm.Sgemm(false, transB, m, n, k, 1f, _a, k, _b, transB ? k : n, 0f, _c, n, KernelTarget.Best(Threads));
    }
}

/// <summary>"MxNxK" with a trailing T for a transposed B.</summary>
public static class GemmShapes
{
    public static (int M, int N, int K, bool TransB) Parse(string shape)
    {
        bool transB = shape.EndsWith('T');
        var parts = shape.TrimEnd('T').Split('x').Select(int.Parse).ToArray();
        return (parts[0], parts[1], parts[2], transB);
    }
}
