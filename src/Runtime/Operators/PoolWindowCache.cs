using OnnxNorm.Ir;

namespace OnnxNorm.Runtime.Operators;

/// <summary>
/// A pool's windows and output shape for the last input shape it saw. Building the windows is the costly
/// part of a pool's setup, and the input shape rarely changes between runs, so they are kept until it does.
/// </summary>
internal sealed class PoolWindowCache(ConvAttributes attrs, bool ceil)
{
    private PoolWindow? _window;
    private long[]? _inputShape;
    private long[]? _outputShape;

    /// <summary>The windows over one [spatial...] plane of <paramref name="x"/> and the pool's [N, C, out...] shape.</summary>
    public (PoolWindow Window, long[] OutputShape) For(long[] x, string desc)
    {
        if (_window is null || !x.AsSpan().SequenceEqual(_inputShape))
        {
            if (x.Length < 3) throw new BadInputException($"{desc}: input has rank {x.Length}; pools need [N, C, spatial...]");
            int r = x.Length - 2;
            var kernel = attrs.KernelShape!;
            if (kernel.Length != r) throw new BadInputException($"{desc}: kernel_shape has {kernel.Length} values, the input has {r} spatial dims");
            var input = x.Skip(2).Select(v => checked((int)v)).ToArray();
            var k = kernel.Select(v => checked((int)v)).ToArray();
            var strides = attrs.StridesFor(r);
            var dil = attrs.DilationsFor(r);
            var (output, pb, pe) = attrs.Forward(input, k, strides, dil, ceil);
            _window = new PoolWindow(input, output, k, strides, dil, pb, pe);
            _outputShape = new[] { x[0], x[1] }.Concat(output.Select(v => (long)v)).ToArray();
            _inputShape = (long[])x.Clone();
        }
        return (_window, (long[])_outputShape!.Clone());
    }
}
