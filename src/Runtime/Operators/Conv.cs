using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Runtime.Operators;

/// <summary>
/// Conv (opset 1-…): 1-D/2-D/3-D, groups, dilations, pads, auto_pad. float32 runs through
/// <see cref="ConvKernel"/>, built once (geometry computed, weights packed) when W and B are constants: when the plan
/// is built if the input's declared shape is fully known, else on the first run, and again only when the input's
/// shape changes. A Relu/Clip/LeakyRelu the plan fused in is applied by the kernel.
/// float16 is computed in float32; double in double (<see cref="Float64.DoubleConv"/>).
/// </summary>
internal sealed class Conv : IOperator, IHoldsConstantInputs
{
    private readonly ConvAttributes _attrs;
    private readonly Activation _activation;
    // The activation after a fused residual Add (ResidualInput); the kernel's own is then None.
    private Activation _afterResidual;
    // Constant float32 weights until the first kernel is packed from them; after that the kernel's packed copy is
    // the only one kept (another input shape unpacks it, ConvKernel.Weights), not the plain copy next to it.
    private TensorValue? _constW;
    private readonly long[]? _constWShape;
    private readonly TensorValue? _constB;
    // W and B (if any) are constants: the operator holds them and the plan does not feed them.
    private readonly bool _holdsWeights;
    // The kernel for one input shape, swapped as a whole so concurrent runs never pair a kernel with another shape.
    private sealed record PreparedKernel(long[] InputShape, ConvKernel Kernel);
    private PreparedKernel? _prepared;

    private Conv(ConvAttributes attrs, Activation activation, TensorValue? w, TensorValue? b, bool hasBias)
    {
        _attrs = attrs;
        _activation = activation;
        _constW = w;
        _constWShape = w?.Shape;
        _constB = b;
        _holdsWeights = w is not null && (!hasBias || b is not null);
    }

    public static OperatorFactory Factory => ComputeInFloat.Wrap(n =>
    {
        n.OnlyAttributes("auto_pad", "dilations", "group", "kernel_shape", "pads", "strides");
        var w = n.Constant(1);
        var b = n.HasInput(2) ? n.Constant(2) : null;
        // With a fused residual the kernel computes the plain conv and the activation follows the residual's add.
        var conv = new Conv(ConvAttributes.Read(n), n.FusedResidual ? Activation.None : n.FusedActivation, w is { ElementType: ElementType.Float } ? w : null,
            b is { ElementType: ElementType.Float } ? b : null, n.HasInput(2)) { _afterResidual = n.FusedActivation };
        if (w is not null) conv.CheckWeights(w.Shape, null);
        if (conv._holdsWeights && DeclaredShape(n.Node.Input(0)) is { } x)
            conv.Prepare(x);
        return conv;
    }, includeDouble: false);

    /// <summary>
    /// The step input a fused residual Add's other operand takes (<see cref="Execution.ResidualAddFusion"/>): after
    /// X, W and B, so the Conv's own inputs keep their places.
    /// </summary>
    public const int ResidualInput = 3;

    public bool Holds(int input) => _holdsWeights && input is 1 or 2;

    /// <summary>The input's declared shape when every dim is a number, else null.</summary>
    private static long[]? DeclaredShape(Value? x) =>
        x?.ElementType == ElementType.Float && x.Shape is { Length: >= 3 } dims && dims.All(d => d.Value is > 0)
            ? dims.Select(d => d.Value!.Value).ToArray() : null;

    /// <summary>
    /// Builds the kernel for a declared input shape at plan time. A declaration that does not fit the weights is
    /// left for Run to report against the actual input (declared intermediate shapes are hints, feeds are facts).
    /// </summary>
    private void Prepare(long[] x)
    {
        try
        {
            CheckWeights(_constW!.Shape, x);
            _prepared = new PreparedKernel(x, new ConvKernel(Geometry(x, _constW.Shape), _constW.AsSpan<float>(),
                _constB is null ? default : _constB.AsSpan<float>(), _activation));
            _constW = null;
        }
        catch (Exception e) when (e is BadInputException or ArgumentException or OverflowException)
        {
            _prepared = null;
        }
    }

    private void CheckWeights(long[] w, long[]? x)
    {
        string d = _attrs.Describe;
        if (w.Length < 3) throw new BadInputException($"{d}: weight W has rank {w.Length}; Conv needs [M, C/group, k1, ...]");
        if (x is not null && w.Length != x.Length)
            throw new BadInputException($"{d}: weight W has rank {w.Length} but input X has rank {x.Length}");
        if (w[0] % _attrs.Group != 0) throw new BadInputException($"{d}: {w[0]} output channels are not divisible by group {_attrs.Group}");
        if (_attrs.KernelShape is { } ks && !ks.SequenceEqual(w.Skip(2)))
            throw new BadInputException($"{d}: kernel_shape [{string.Join(',', ks)}] does not match W [{string.Join(',', w)}]");
        if (x is not null)
        {
            if (x[1] % _attrs.Group != 0) throw new BadInputException($"{d}: {x[1]} input channels are not divisible by group {_attrs.Group}");
            if (w[1] * _attrs.Group != x[1])
                throw new BadInputException($"{d}: W [{string.Join(',', w)}] expects {w[1] * _attrs.Group} input channels with group {_attrs.Group}, X has {x[1]}");
        }
    }

    public void Run(OpContext ctx)
    {
        var x = ctx.Required(0);
        // Held weights are float32 (the plan does not feed them); others come from the context.
        var w = _holdsWeights ? null : _constW ?? ctx.Required(1);
        var wShape = w?.Shape ?? _constWShape!;
        var wType = w?.ElementType ?? ElementType.Float;
        var b = _constB ?? (_holdsWeights ? null : ctx.Input(2));
        if (x.ElementType is not (ElementType.Float or ElementType.Double) || wType != x.ElementType || b is not null && b.ElementType != x.ElementType)
            throw new BadInputException($"{ctx.Node.Describe()}: Conv does not support {x.ElementType.Name()} input with {wType.Name()} weights");
        if (x.Rank < 3) throw new BadInputException($"{ctx.Node.Describe()}: input X has rank {x.Rank}; Conv needs [N, C, spatial...]");
        CheckWeights(wShape, x.Shape);
        if (b is not null && (b.Rank != 1 || b.Shape[0] != wShape[0]))
            throw new BadInputException($"{ctx.Node.Describe()}: bias B has shape [{string.Join(',', b.Shape)}], expected [{wShape[0]}]");
        if (x.ElementType == ElementType.Double)
        {
            if (x.Rank > 5) throw new BadInputException($"{ctx.Node.Describe()}: double Conv supports 1 to 3 spatial dims, not {x.Rank - 2}");
            var dg = Geometry(x.Shape, wShape);
            var dy = ctx.Output(0, ElementType.Double, OutputShape(dg, x.Rank));
            if (dy.Length > 0) Float64.DoubleConv.Forward(dg, x.AsSpan<double>(), w!.AsSpan<double>(), b is null ? default : b.AsSpan<double>(), dy.AsSpan<double>(), _activation);
            return;
        }

        var prepared = _prepared;
        ConvKernel kernel;
        if (prepared is not null && _holdsWeights && x.Shape.AsSpan().SequenceEqual(prepared.InputShape)) kernel = prepared.Kernel;
        else if (_holdsWeights)
        {
            ReadOnlySpan<float> weights = _constW is { } held ? held.AsSpan<float>() : prepared!.Kernel.Weights();
            kernel = new ConvKernel(Geometry(x.Shape, wShape), weights, _constB is null ? default : _constB.AsSpan<float>(), _activation);
            _prepared = new PreparedKernel((long[])x.Shape.Clone(), kernel);
            _constW = null;
        }
        else kernel = new ConvKernel(Geometry(x.Shape, wShape), w!.AsSpan<float>(), b is null ? default : b.AsSpan<float>(), _activation);
        var shape = OutputShape(kernel.Geometry, x.Rank);
        if (ctx.InputCount > ResidualInput && ctx.Input(ResidualInput) is { } residual)
        {
            FusedResidualAdd.Run(ctx, kernel, x, shape, residual, _afterResidual);
            return;
        }
        var y = ctx.Output(0, ElementType.Float, shape);
        if (y.Length == 0) return;
        kernel.Run(x.AsSpan<float>(), y.AsSpan<float>(), ctx.Kernels);
    }

    private static long[] OutputShape(ConvGeometry g, int rank)
    {
        var shape = new long[rank];
        shape[0] = g.Batch;
        shape[1] = g.OutChannels;
        for (int d = 0; d < g.SpatialRank; d++) shape[d + 2] = g.OutputSpatial[d];
        return shape;
    }

    private ConvGeometry Geometry(long[] x, long[] w)
    {
        int r = x.Length - 2;
        var input = x.Skip(2).Select(v => checked((int)v)).ToArray();
        var kernel = w.Skip(2).Select(v => checked((int)v)).ToArray();
        var strides = _attrs.StridesFor(r);
        var dil = _attrs.DilationsFor(r);
        var (output, pb, pe) = _attrs.Forward(input, kernel, strides, dil);
        return new ConvGeometry(checked((int)x[0]), checked((int)x[1]), checked((int)w[0]), (int)_attrs.Group, input, output, kernel, strides, dil, pb, pe);
    }
}
