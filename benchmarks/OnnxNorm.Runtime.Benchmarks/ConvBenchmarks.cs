using BenchmarkDotNet.Attributes;
using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Runtime.Benchmarks;

/// <summary>Each distinct ResNet-18 convolution (bias + ReLU fused), at 1 and 2 threads.</summary>
public class ConvBenchmarks
{
    private ConvKernel _kernel = null!;
    private float[] _x = [];
    private float[] _y = [];

    public static IEnumerable<ResNet18Layers.Layer> Layers => ResNet18Layers.All;

    [ParamsSource(nameof(Layers))]
    public ResNet18Layers.Layer Layer { get; set; } = null!;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup() => (_kernel, _x, _y) = ResNet18Layers.Instantiate(Layer.Geometry);

    [Benchmark]
    public void Conv() => _kernel.Run(_x, _y, KernelTarget.Best(Threads));
}
