using System.Numerics;
using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>The elementwise operators of two or more inputs with numpy broadcasting.</summary>
internal enum BinaryKind { Add, Sub, Mul, Div, Pow, Max, Min, PRelu, Mod, Fmod, Equal, Greater, Less, GreaterOrEqual, LessOrEqual, And, Or, Xor }

/// <summary>
/// Add, Sub, Mul, Div, Pow, Max, Min, PRelu (arithmetic: result has the input type), Equal, Greater, Less,
/// GreaterOrEqual, LessOrEqual (bool result), And/Or/Xor (bool). Variadic Max/Min/Sum/Mean fold left to right.
/// float16 is computed in float32 by the registry's wrapper.
/// </summary>
internal sealed class Binary : IOperator
{
    private readonly BinaryKind _kind;
    private readonly bool _mean;

    private Binary(BinaryKind kind, bool mean)
    {
        _kind = kind;
        _mean = mean;
    }

    public static OperatorFactory Factory(BinaryKind kind, bool mean = false) => ComputeInFloat.Wrap(n =>
    {
        // opset < 7 had explicit broadcast/axis attributes; only the numpy form is implemented.
        if (n.Has("axis") || n.Int("broadcast", 0) != 0 && n.Opset < 7) throw n.Error("legacy 'broadcast'/'axis' attributes are not supported");
        n.OnlyAttributes("broadcast", "fmod");
        return new Binary(kind == BinaryKind.Mod && n.Int("fmod", 0) != 0 ? BinaryKind.Fmod : kind, mean);
    }, includeDouble: false);

    private static bool IsComparison(BinaryKind k) => k is BinaryKind.Equal or BinaryKind.Greater or BinaryKind.Less or BinaryKind.GreaterOrEqual or BinaryKind.LessOrEqual;

    public void Run(OpContext ctx)
    {
        var acc = ctx.Required(0);
        int count = 0;
        TensorValue? owned = null;
        for (int i = 1; i < ctx.InputCount; i++)
        {
            var b = ctx.Input(i);
            if (b is null) continue;
            var next = Apply(ctx, acc, b, i == ctx.InputCount - 1 && !_mean ? 0 : -1);
            if (owned is not null) ctx.Return(owned);
            acc = owned = next;
            count++;
        }
        if (count == 0)
        {
            // Variadic op with one input: a copy.
            var y = ctx.Output(0, acc.ElementType, acc.Shape);
            Array.Copy(acc.Buffer, y.Buffer, acc.Length);
            acc = y;
            owned = null;
        }
        if (_mean)
        {
            var y = ctx.Output(0, acc.ElementType, acc.Shape);
            double inv = 1.0 / (count + 1);
            switch (acc.Buffer)
            {
                case float[] a: { var o = (float[])y.Buffer; for (int i = 0; i < acc.Length; i++) o[i] = (float)(a[i] * inv); break; }
                case double[] a: { var o = (double[])y.Buffer; for (int i = 0; i < acc.Length; i++) o[i] = a[i] * inv; break; }
                default: throw new BadInputException($"{ctx.Node.Describe()}: Mean needs float inputs");
            }
            if (owned is not null) ctx.Return(owned);
        }
    }

    // outputIndex 0: write into the op's output; -1: into a scratch tensor.
    private TensorValue Apply(OpContext ctx, TensorValue a, TensorValue b, int outputIndex)
    {
        if (a.ElementType != b.ElementType && _kind != BinaryKind.Pow)
            throw new BadInputException($"{ctx.Node.Describe()}: inputs have different element types ({a.ElementType.Name()} and {b.ElementType.Name()})");
        TensorValue? conv = null;
        if (_kind == BinaryKind.Pow && a.ElementType != b.ElementType)
        {
            conv = ctx.Rent(a.ElementType, b.Shape);
            Cast.Convert(b, conv);
            b = conv;
        }
        var shape = Shapes.Broadcast(ctx, a.Shape, b.Shape);
        if (_kind == BinaryKind.PRelu) shape = a.Shape; // slope broadcasts to X (unidirectional)
        var type = IsComparison(_kind) ? ElementType.Bool : a.ElementType;
        var y = outputIndex == 0 ? ctx.Output(0, type, shape) : ctx.Rent(type, shape);
        // x^2 (LayerNorm-style variance in exported graphs) is a multiply.
        if (_kind == BinaryKind.Pow && a.Buffer is float[] && b is { Length: 1, Buffer: float[] e } && e[0] == 2f)
        {
            FloatKernels.Binary(FloatKernels.Op.Mul, (float[])a.Buffer, a.Shape, (float[])a.Buffer, a.Shape, (float[])y.Buffer, shape, ctx.Kernels);
            return y;
        }
        FloatKernels.Op? fast = _kind switch
        {
            BinaryKind.Add => FloatKernels.Op.Add,
            BinaryKind.Sub => FloatKernels.Op.Sub,
            BinaryKind.Mul => FloatKernels.Op.Mul,
            BinaryKind.Div => FloatKernels.Op.Div,
            _ => null,
        };
        switch (a.Buffer)
        {
            case float[] x when fast is { } f: FloatKernels.Binary(f, x, a.Shape, (float[])b.Buffer, b.Shape, (float[])y.Buffer, shape, ctx.Kernels); break;
            case float[] x: Numeric(x, a.Shape, (float[])b.Buffer, b.Shape, y, shape); break;
            case double[] x: Numeric(x, a.Shape, (double[])b.Buffer, b.Shape, y, shape); break;
            case long[] x: Numeric(x, a.Shape, (long[])b.Buffer, b.Shape, y, shape); break;
            case int[] x: Numeric(x, a.Shape, (int[])b.Buffer, b.Shape, y, shape); break;
            case short[] x: Numeric(x, a.Shape, (short[])b.Buffer, b.Shape, y, shape); break;
            case sbyte[] x: Numeric(x, a.Shape, (sbyte[])b.Buffer, b.Shape, y, shape); break;
            case byte[] x: Numeric(x, a.Shape, (byte[])b.Buffer, b.Shape, y, shape); break;
            case ushort[] x when a.ElementType == ElementType.UInt16: Numeric(x, a.Shape, (ushort[])b.Buffer, b.Shape, y, shape); break;
            case uint[] x: Numeric(x, a.Shape, (uint[])b.Buffer, b.Shape, y, shape); break;
            case ulong[] x: Numeric(x, a.Shape, (ulong[])b.Buffer, b.Shape, y, shape); break;
            case bool[] x: Logical(ctx, x, a.Shape, (bool[])b.Buffer, b.Shape, (bool[])y.Buffer, shape); break;
            default: throw new BadInputException($"{ctx.Node.Describe()}: {ctx.Node.OpType} does not support {a.ElementType.Name()} tensors");
        }
        if (conv is not null) ctx.Return(conv);
        return y;
    }

    private void Logical(OpContext ctx, bool[] a, long[] sa, bool[] b, long[] sb, bool[] y, long[] sy)
    {
        switch (_kind)
        {
            case BinaryKind.And: Broadcasting.Apply(a, sa, b, sb, y, sy, new AndOp()); break;
            case BinaryKind.Or: Broadcasting.Apply(a, sa, b, sb, y, sy, new OrOp()); break;
            case BinaryKind.Xor: Broadcasting.Apply(a, sa, b, sb, y, sy, new XorOp()); break;
            case BinaryKind.Equal: Broadcasting.Apply(a, sa, b, sb, y, sy, new EqualOp<bool>()); break;
            default: throw new BadInputException($"{ctx.Node.Describe()}: {ctx.Node.OpType} does not support bool tensors");
        }
    }

    private void Numeric<T>(T[] a, long[] sa, T[] b, long[] sb, TensorValue yv, long[] sy) where T : struct, INumber<T>
    {
        if (IsComparison(_kind))
        {
            var yb = (bool[])yv.Buffer;
            switch (_kind)
            {
                case BinaryKind.Equal: Broadcasting.Apply(a, sa, b, sb, yb, sy, new EqualOp<T>()); break;
                case BinaryKind.Greater: Broadcasting.Apply(a, sa, b, sb, yb, sy, new GreaterOp<T>()); break;
                case BinaryKind.Less: Broadcasting.Apply(a, sa, b, sb, yb, sy, new LessOp<T>()); break;
                case BinaryKind.GreaterOrEqual: Broadcasting.Apply(a, sa, b, sb, yb, sy, new GreaterOrEqualOp<T>()); break;
                case BinaryKind.LessOrEqual: Broadcasting.Apply(a, sa, b, sb, yb, sy, new LessOrEqualOp<T>()); break;
            }
            return;
        }
        var y = (T[])yv.Buffer;
        switch (_kind)
        {
            case BinaryKind.Add: Broadcasting.Apply(a, sa, b, sb, y, sy, new AddOp<T>()); break;
            case BinaryKind.Sub: Broadcasting.Apply(a, sa, b, sb, y, sy, new SubOp<T>()); break;
            case BinaryKind.Mul: Broadcasting.Apply(a, sa, b, sb, y, sy, new MulOp<T>()); break;
            case BinaryKind.Div: Broadcasting.Apply(a, sa, b, sb, y, sy, new DivOp<T>()); break;
            case BinaryKind.Pow: Broadcasting.Apply(a, sa, b, sb, y, sy, new PowOp<T>()); break;
            case BinaryKind.Max: Broadcasting.Apply(a, sa, b, sb, y, sy, new MaxOp<T>()); break;
            case BinaryKind.Min: Broadcasting.Apply(a, sa, b, sb, y, sy, new MinOp<T>()); break;
            case BinaryKind.PRelu: Broadcasting.Apply(a, sa, b, sb, y, sy, new PReluOp<T>()); break;
            case BinaryKind.Mod when typeof(T) == typeof(float) || typeof(T) == typeof(double):
                throw new BadInputException("Mod of floating-point tensors needs fmod = 1");
            case BinaryKind.Mod: Broadcasting.Apply(a, sa, b, sb, y, sy, new ModOp<T>()); break;
            case BinaryKind.Fmod: Broadcasting.Apply(a, sa, b, sb, y, sy, new FmodOp<T>()); break;
            default: throw new BadInputException($"{_kind} does not support numeric tensors");
        }
    }
}
