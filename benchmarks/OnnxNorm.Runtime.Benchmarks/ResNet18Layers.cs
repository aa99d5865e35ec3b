using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Runtime.Benchmarks;

/// <summary>The distinct convolutions of ResNet-18 at 1x3x224x224, with how often each occurs.</summary>
public static class ResNet18Layers
{
    /// <summary>A BenchmarkDotNet parameter, so public; its geometry is the executor's internal type.</summary>
    public sealed class Layer
    {
        internal Layer(string name, ConvGeometry geometry, int count) => (Name, Geometry, Count) = (name, geometry, count);
        public string Name { get; }
        internal ConvGeometry Geometry { get; }
        public int Count { get; }
        public override string ToString() => Name;
    }

    public static IReadOnlyList<Layer> All { get; } =
    [
        Make("conv1 7x7/2 3->64 @224", 3, 64, 224, 7, 2, 3, 1),
        Make("l1 3x3 64->64 @56", 64, 64, 56, 3, 1, 1, 4),
        Make("l2 3x3/2 64->128 @56", 64, 128, 56, 3, 2, 1, 1),
        Make("l2 1x1/2 64->128 @56", 64, 128, 56, 1, 2, 0, 1),
        Make("l2 3x3 128->128 @28", 128, 128, 28, 3, 1, 1, 3),
        Make("l3 3x3/2 128->256 @28", 128, 256, 28, 3, 2, 1, 1),
        Make("l3 1x1/2 128->256 @28", 128, 256, 28, 1, 2, 0, 1),
        Make("l3 3x3 256->256 @14", 256, 256, 14, 3, 1, 1, 3),
        Make("l4 3x3/2 256->512 @14", 256, 512, 14, 3, 2, 1, 1),
        Make("l4 1x1/2 256->512 @14", 256, 512, 14, 1, 2, 0, 1),
        Make("l4 3x3 512->512 @7", 512, 512, 7, 3, 1, 1, 3),
    ];

    internal static Layer Make(string name, int c, int m, int size, int k, int s, int p, int count, int group = 1, int dilation = 1)
    {
        int o = (size + 2 * p - dilation * (k - 1) - 1) / s + 1;
        return new Layer(name, new ConvGeometry(1, c, m, group, [size, size], [o, o], [k, k], [s, s], [dilation, dilation], [p, p], [p, p]), count);
    }

    internal static (ConvKernel Kernel, float[] X, float[] Y) Instantiate(ConvGeometry g)
    {
        var rng = new Random(1);
        float[] Fill(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var kernel = new ConvKernel(g, Fill(g.OutChannels * g.InChannelsPerGroup * g.KernelSize), Fill(g.OutChannels), Activation.Relu);
        return (kernel, Fill(g.Batch * g.InChannels * g.InputSize), new float[g.Batch * g.OutChannels * g.OutputSize]);
    }
}
