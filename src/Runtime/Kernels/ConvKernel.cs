namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// Float32 convolution with weights prepared once (a Conv node's weights are usually constant).
/// The executor creates one per node and calls <see cref="Run"/> per inference.
/// This first version is the plain reference loop; the optimised kernels replace its inside, not its API.
/// </summary>
public sealed class ConvKernel
{
    private readonly float[] _weights;
    private readonly float[]? _bias;

    public ConvKernel(ConvGeometry geometry, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Activation activation)
    {
        Geometry = geometry;
        Activation = activation;
        _weights = weights.ToArray();
        _bias = bias.IsEmpty ? null : bias.ToArray();
    }

    public ConvGeometry Geometry { get; }
    public Activation Activation { get; }

    /// <summary>y = act(conv(x, W) + b). <paramref name="threads"/> is an upper bound on parallelism.</summary>
    public void Run(ReadOnlySpan<float> x, Span<float> y, int threads = 1) =>
        ReferenceConv.Run(Geometry, x, _weights, _bias, y, Activation);
}
