using System.Numerics.Tensors;
using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>Cast (opset 1-…; the 'to' attribute; strings are not supported) and the element conversions the other operators use.</summary>
internal sealed class Cast : IOperator
{
    private readonly ElementType _to;

    private Cast(ElementType to) => _to = to;

    public static IOperator Create(NodeInfo n)
    {
        n.OnlyAttributes("to", "saturate", "round_mode");
        var to = (ElementType)n.Int("to", 0);
        if (!Supported(to)) throw n.Error($"casting to {to.Name()} is not supported by the native executor");
        return new Cast(to);
    }

    public static OperatorFactory CreateLike => n =>
    {
        n.OnlyAttributes();
        return new CastLike();
    };

    private sealed class CastLike : IOperator
    {
        public void Run(OpContext ctx)
        {
            var x = ctx.Required(0);
            var to = ctx.Required(1).ElementType;
            Convert(x, ctx.Output(0, to, x.Shape));
        }
    }

    public static bool Supported(ElementType t) => t is ElementType.Float or ElementType.Double or ElementType.Float16 or ElementType.BFloat16
        or ElementType.Int64 or ElementType.Int32 or ElementType.Int16 or ElementType.Int8 or ElementType.UInt8 or ElementType.UInt16
        or ElementType.UInt32 or ElementType.UInt64 or ElementType.Bool;

    public void Run(OpContext ctx)
    {
        var x = ctx.Required(0);
        if (!Supported(x.ElementType)) throw new BadInputException($"{ctx.Node.Describe()}: casting from {x.ElementType.Name()} is not supported");
        Convert(x, ctx.Output(0, _to, x.Shape));
    }

    /// <summary>Converts every element of <paramref name="src"/> into <paramref name="dst"/> (same element count).</summary>
    public static void Convert(TensorValue src, TensorValue dst)
    {
        int n = src.Length;
        if (src.ElementType == dst.ElementType) { Array.Copy(src.Buffer, dst.Buffer, n); return; }
        if (!Supported(src.ElementType) || !Supported(dst.ElementType))
            throw new BadInputException($"conversion from {src.ElementType.Name()} to {dst.ElementType.Name()} is not supported by the native executor");
        switch (src.Buffer, dst.Buffer)
        {
            // fp16 models run every node in float32 between two of these conversions: the vector forms are
            // 7-10x faster than the scalar casts and bit-identical to them (every half, NaN payloads included;
            // tests/OnnxNorm.Kernels.Tests/HalfConversionTests.cs).
            case (Half[] a, float[] b): TensorPrimitives.ConvertToSingle(a.AsSpan(0, n), b.AsSpan(0, n)); return;
            case (float[] a, Half[] b): TensorPrimitives.ConvertToHalf(a.AsSpan(0, n), b.AsSpan(0, n)); return;
            case (double[] a, float[] b): for (int i = 0; i < n; i++) b[i] = (float)a[i]; return;
            case (float[] a, double[] b): for (int i = 0; i < n; i++) b[i] = a[i]; return;
        }
        if (IsInteger(src.ElementType) && IsInteger(dst.ElementType))
        {
            var l = ReadLongs(src);
            WriteLongs(l, dst);
            return;
        }
        var d = src.ElementType == ElementType.BFloat16 ? src.ToDoubles() : src.ToDoubles();
        WriteDoubles(d, dst);
    }

    private static bool IsInteger(ElementType t) => t is ElementType.Int64 or ElementType.Int32 or ElementType.Int16 or ElementType.Int8
        or ElementType.UInt8 or ElementType.UInt16 or ElementType.UInt32 or ElementType.UInt64 or ElementType.Bool;

    internal static long[] ReadLongs(TensorValue t)
    {
        int n = t.Length;
        var r = new long[n];
        switch (t.Buffer)
        {
            case long[] a: Array.Copy(a, r, n); break;
            case int[] a: for (int i = 0; i < n; i++) r[i] = a[i]; break;
            case short[] a: for (int i = 0; i < n; i++) r[i] = a[i]; break;
            case sbyte[] a: for (int i = 0; i < n; i++) r[i] = a[i]; break;
            case byte[] a: for (int i = 0; i < n; i++) r[i] = a[i]; break;
            case ushort[] a: for (int i = 0; i < n; i++) r[i] = a[i]; break;
            case uint[] a: for (int i = 0; i < n; i++) r[i] = a[i]; break;
            case ulong[] a: for (int i = 0; i < n; i++) r[i] = unchecked((long)a[i]); break;
            case bool[] a: for (int i = 0; i < n; i++) r[i] = a[i] ? 1 : 0; break;
        }
        return r;
    }

    internal static void WriteLongs(long[] v, TensorValue t)
    {
        int n = t.Length;
        unchecked
        {
            switch (t.Buffer)
            {
                case long[] a: Array.Copy(v, a, n); break;
                case int[] a: for (int i = 0; i < n; i++) a[i] = (int)v[i]; break;
                case short[] a: for (int i = 0; i < n; i++) a[i] = (short)v[i]; break;
                case sbyte[] a: for (int i = 0; i < n; i++) a[i] = (sbyte)v[i]; break;
                case byte[] a: for (int i = 0; i < n; i++) a[i] = (byte)v[i]; break;
                case ushort[] a: for (int i = 0; i < n; i++) a[i] = (ushort)v[i]; break;
                case uint[] a: for (int i = 0; i < n; i++) a[i] = (uint)v[i]; break;
                case ulong[] a: for (int i = 0; i < n; i++) a[i] = (ulong)v[i]; break;
                case bool[] a: for (int i = 0; i < n; i++) a[i] = v[i] != 0; break;
            }
        }
    }

    /// <summary>Writes doubles into any numeric tensor: rounding for floats, truncation toward zero for integers.</summary>
    public static void WriteDoubles(ReadOnlySpan<double> v, TensorValue t)
    {
        int n = t.Length;
        unchecked
        {
            switch (t.Buffer)
            {
                case float[] a: for (int i = 0; i < n; i++) a[i] = (float)v[i]; break;
                case double[] a: v[..n].CopyTo(a); break;
                case Half[] a: for (int i = 0; i < n; i++) a[i] = (Half)v[i]; break;
                case ushort[] a when t.ElementType == ElementType.BFloat16: for (int i = 0; i < n; i++) a[i] = FloatBits.SingleToBFloat16((float)v[i]); break;
                case long[] a: for (int i = 0; i < n; i++) a[i] = double.IsNaN(v[i]) ? long.MinValue : (long)v[i]; break;
                case int[] a: for (int i = 0; i < n; i++) a[i] = double.IsNaN(v[i]) ? int.MinValue : (int)(long)v[i]; break;
                case short[] a: for (int i = 0; i < n; i++) a[i] = (short)(long)v[i]; break;
                case sbyte[] a: for (int i = 0; i < n; i++) a[i] = (sbyte)(long)v[i]; break;
                case byte[] a: for (int i = 0; i < n; i++) a[i] = (byte)(long)v[i]; break;
                case ushort[] a: for (int i = 0; i < n; i++) a[i] = (ushort)(long)v[i]; break;
                case uint[] a: for (int i = 0; i < n; i++) a[i] = (uint)(long)v[i]; break;
                case ulong[] a: for (int i = 0; i < n; i++) a[i] = v[i] >= 9.2233720368547758E18 ? (ulong)v[i] : (ulong)(long)v[i]; break;
                case bool[] a: for (int i = 0; i < n; i++) a[i] = v[i] != 0; break;
                default: throw new BadInputException($"cannot write numbers into a {t.ElementType.Name()} tensor");
            }
        }
    }
}
