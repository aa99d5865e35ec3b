using System.Numerics;

namespace OnnxNorm.Runtime.Operators;

internal readonly struct AddOp<T> : IBinaryOp<T, T> where T : INumber<T> { public T Apply(T a, T b) => unchecked(a + b); }
internal readonly struct SubOp<T> : IBinaryOp<T, T> where T : INumber<T> { public T Apply(T a, T b) => unchecked(a - b); }
internal readonly struct MulOp<T> : IBinaryOp<T, T> where T : INumber<T> { public T Apply(T a, T b) => unchecked(a * b); }

internal readonly struct DivOp<T> : IBinaryOp<T, T> where T : INumber<T>
{
    // Integer division by zero is undefined in ONNX; answer 0 rather than crash.
    public T Apply(T a, T b) => T.IsZero(b) && typeof(T) != typeof(float) && typeof(T) != typeof(double) ? T.Zero : a / b;
}

internal readonly struct PowOp<T> : IBinaryOp<T, T> where T : INumber<T>
{
    public T Apply(T a, T b) => T.CreateTruncating(Math.Pow(double.CreateTruncating(a), double.CreateTruncating(b)));
}

internal readonly struct MaxOp<T> : IBinaryOp<T, T> where T : INumber<T> { public T Apply(T a, T b) => T.Max(a, b); }
internal readonly struct MinOp<T> : IBinaryOp<T, T> where T : INumber<T> { public T Apply(T a, T b) => T.Min(a, b); }

internal readonly struct PReluOp<T> : IBinaryOp<T, T> where T : INumber<T>
{
    public T Apply(T x, T slope) => x < T.Zero ? x * slope : x;
}

internal readonly struct EqualOp<T> : IBinaryOp<T, bool> where T : IEquatable<T> { public bool Apply(T a, T b) => a.Equals(b) && !(a is float f && float.IsNaN(f)) && !(a is double d && double.IsNaN(d)); }
internal readonly struct GreaterOp<T> : IBinaryOp<T, bool> where T : INumber<T> { public bool Apply(T a, T b) => a > b; }
internal readonly struct LessOp<T> : IBinaryOp<T, bool> where T : INumber<T> { public bool Apply(T a, T b) => a < b; }
internal readonly struct GreaterOrEqualOp<T> : IBinaryOp<T, bool> where T : INumber<T> { public bool Apply(T a, T b) => a >= b; }
internal readonly struct LessOrEqualOp<T> : IBinaryOp<T, bool> where T : INumber<T> { public bool Apply(T a, T b) => a <= b; }

internal readonly struct AndOp : IBinaryOp<bool, bool> { public bool Apply(bool a, bool b) => a & b; }
internal readonly struct OrOp : IBinaryOp<bool, bool> { public bool Apply(bool a, bool b) => a | b; }
internal readonly struct XorOp : IBinaryOp<bool, bool> { public bool Apply(bool a, bool b) => a ^ b; }

/// <summary>Mod with fmod = 0: the result takes the divisor's sign (Python); integers only.</summary>
internal readonly struct ModOp<T> : IBinaryOp<T, T> where T : INumber<T>
{
    public T Apply(T a, T b)
    {
        if (T.IsZero(b)) return T.Zero;
        T r = a % b;
        return !T.IsZero(r) && (T.IsNegative(r) != T.IsNegative(b)) ? r + b : r;
    }
}

/// <summary>Mod with fmod = 1: the result takes the dividend's sign (C fmod).</summary>
internal readonly struct FmodOp<T> : IBinaryOp<T, T> where T : INumber<T>
{
    public T Apply(T a, T b) => T.IsZero(b) && typeof(T) != typeof(float) && typeof(T) != typeof(double) ? T.Zero : a % b;
}
