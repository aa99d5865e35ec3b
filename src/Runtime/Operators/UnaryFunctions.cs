using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Runtime.Operators;

/// <summary>
/// An elementwise function of one value, as a struct so that <see cref="Unary{TF}"/>'s loop is specialised
/// for it (no virtual call per element). Integer forms exist only where ONNX defines them (Neg, Abs, Sign).
/// </summary>
internal interface IUnaryFunction
{
    float Apply(float x);
    double Apply(double x);
    bool SupportsIntegers => false;
    long Apply(long x) => throw new NotSupportedException();

    /// <summary>The float32 form as a kernel activation (vectorised, and fusable into a Conv), or None.</summary>
    Activation FloatActivation => Activation.None;

    /// <summary>Whether <see cref="ApplyFloats"/> is a vectorised float32 form.</summary>
    bool HasFloatRun => false;
    void ApplyFloats(ReadOnlySpan<float> x, Span<float> y) => throw new NotSupportedException();
}

internal readonly struct ReluF : IUnaryFunction
{
    public Activation FloatActivation => Activation.Relu;
    public float Apply(float x) => ReluOperator.Of(x);
    public double Apply(double x) => ReluOperator.Of(x);
}

internal readonly struct LeakyReluF(float alpha) : IUnaryFunction
{
    public Activation FloatActivation => new(FusedActivation.LeakyRelu, Alpha: alpha);
    public float Apply(float x) => LeakyReluOperator.Of(x, alpha);
    public double Apply(double x) => LeakyReluOperator.Of(x, (double)alpha);
}

internal readonly struct EluF(float alpha) : IUnaryFunction
{
    public float Apply(float x) => x >= 0 ? x : alpha * (MathF.Exp(x) - 1);
    public double Apply(double x) => x >= 0 ? x : alpha * (Math.Exp(x) - 1);
}

internal readonly struct SeluF(float alpha, float gamma) : IUnaryFunction
{
    public float Apply(float x) => x > 0 ? gamma * x : gamma * (alpha * MathF.Exp(x) - alpha);
    public double Apply(double x) => x > 0 ? gamma * x : gamma * (alpha * Math.Exp(x) - alpha);
}

internal readonly struct SigmoidF : IUnaryFunction
{
    public Activation FloatActivation => new(FusedActivation.Sigmoid);
    public float Apply(float x) => default(SigmoidOperator).Invoke(x);
    public double Apply(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));
}

internal readonly struct HardSigmoidF(float alpha, float beta) : IUnaryFunction
{
    public Activation FloatActivation => Activation.HardSigmoid(alpha, beta);
    public float Apply(float x) => new HardSigmoidOperator(alpha, beta).Invoke(x);
    public double Apply(double x) => HardSigmoidOperator.Of(x, (double)alpha, (double)beta);
}

internal readonly struct HardSwishF : IUnaryFunction
{
    public Activation FloatActivation => new(FusedActivation.HardSwish);
    public float Apply(float x) => HardSwishOperator.Of(x);
    public double Apply(double x) => HardSwishOperator.Of(x);
}

internal readonly struct TanhF : IUnaryFunction
{
    public float Apply(float x) => MathF.Tanh(x);
    public double Apply(double x) => Math.Tanh(x);
}

internal readonly struct ErfF : IUnaryFunction
{
    public float Apply(float x) => ErfMath.Scalar(x);
    public double Apply(double x) => Erf(x);
    public bool HasFloatRun => true;
    public void ApplyFloats(ReadOnlySpan<float> x, Span<float> y) => ErfMath.Apply(x, y);

    /// <summary>erf by its Taylor series below 2 and the continued fraction of erfc above (double precision).</summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return x;
        double ax = Math.Abs(x);
        double r;
        if (ax < 2)
        {
            double term = ax, sum = ax, x2 = ax * ax;
            for (int n = 1; n < 60; n++)
            {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17 * Math.Abs(sum)) break;
            }
            r = 2 / Math.Sqrt(Math.PI) * sum;
        }
        else if (ax > 6) r = 1;
        else
        {
            double k = ax;
            for (int n = 80; n >= 1; n--) k = ax + n / 2.0 / k;
            r = 1 - Math.Exp(-ax * ax) / (Math.Sqrt(Math.PI) * k);
        }
        return x < 0 ? -r : r;
    }
}

internal readonly struct SqrtF : IUnaryFunction
{
    public float Apply(float x) => MathF.Sqrt(x);
    public double Apply(double x) => Math.Sqrt(x);
}

internal readonly struct ExpF : IUnaryFunction
{
    public float Apply(float x) => MathF.Exp(x);
    public double Apply(double x) => Math.Exp(x);
}

internal readonly struct LogF : IUnaryFunction
{
    public float Apply(float x) => MathF.Log(x);
    public double Apply(double x) => Math.Log(x);
}

internal readonly struct NegF : IUnaryFunction
{
    public float Apply(float x) => -x;
    public double Apply(double x) => -x;
    public bool SupportsIntegers => true;
    public long Apply(long x) => unchecked(-x);
}

internal readonly struct AbsF : IUnaryFunction
{
    public float Apply(float x) => MathF.Abs(x);
    public double Apply(double x) => Math.Abs(x);
    public bool SupportsIntegers => true;
    public long Apply(long x) => x < 0 ? unchecked(-x) : x;
}

internal readonly struct SignF : IUnaryFunction
{
    public float Apply(float x) => float.IsNaN(x) ? x : MathF.Sign(x);
    public double Apply(double x) => double.IsNaN(x) ? x : Math.Sign(x);
    public bool SupportsIntegers => true;
    public long Apply(long x) => Math.Sign(x);
}

internal readonly struct ReciprocalF : IUnaryFunction
{
    public float Apply(float x) => 1f / x;
    public double Apply(double x) => 1 / x;
}

internal readonly struct FloorF : IUnaryFunction
{
    public float Apply(float x) => MathF.Floor(x);
    public double Apply(double x) => Math.Floor(x);
}

internal readonly struct CeilF : IUnaryFunction
{
    public float Apply(float x) => MathF.Ceiling(x);
    public double Apply(double x) => Math.Ceiling(x);
}

internal readonly struct RoundF : IUnaryFunction
{
    public float Apply(float x) => MathF.Round(x, MidpointRounding.ToEven);
    public double Apply(double x) => Math.Round(x, MidpointRounding.ToEven);
}

internal readonly struct SoftplusF : IUnaryFunction
{
    public float Apply(float x) => x > 20 ? x : MathF.Log(1 + MathF.Exp(x));
    public double Apply(double x) => x > 30 ? x : Math.Log(1 + Math.Exp(x));
}

internal readonly struct SoftsignF : IUnaryFunction
{
    public float Apply(float x) => x / (1 + MathF.Abs(x));
    public double Apply(double x) => x / (1 + Math.Abs(x));
}

internal readonly struct SinF : IUnaryFunction
{
    public float Apply(float x) => MathF.Sin(x);
    public double Apply(double x) => Math.Sin(x);
}

internal readonly struct CosF : IUnaryFunction
{
    public float Apply(float x) => MathF.Cos(x);
    public double Apply(double x) => Math.Cos(x);
}

/// <summary>Clip with bounds from attributes (opset 1-10), by <see cref="ClipOperator"/>'s rule. NaN passes through.</summary>
internal readonly struct ClipF(float min, float max) : IUnaryFunction
{
    public Activation FloatActivation => new(FusedActivation.Clip, Min: min, Max: max);
    public float Apply(float x) => ClipOperator.Of(x, min, max);
    public double Apply(double x) => ClipOperator.Of(x, (double)min, (double)max);
}

internal readonly struct TanF : IUnaryFunction { public float Apply(float x) => MathF.Tan(x); public double Apply(double x) => Math.Tan(x); }
internal readonly struct AsinF : IUnaryFunction { public float Apply(float x) => MathF.Asin(x); public double Apply(double x) => Math.Asin(x); }
internal readonly struct AcosF : IUnaryFunction { public float Apply(float x) => MathF.Acos(x); public double Apply(double x) => Math.Acos(x); }
internal readonly struct AtanF : IUnaryFunction { public float Apply(float x) => MathF.Atan(x); public double Apply(double x) => Math.Atan(x); }
internal readonly struct SinhF : IUnaryFunction { public float Apply(float x) => MathF.Sinh(x); public double Apply(double x) => Math.Sinh(x); }
internal readonly struct CoshF : IUnaryFunction { public float Apply(float x) => MathF.Cosh(x); public double Apply(double x) => Math.Cosh(x); }
internal readonly struct AsinhF : IUnaryFunction { public float Apply(float x) => MathF.Asinh(x); public double Apply(double x) => Math.Asinh(x); }
internal readonly struct AcoshF : IUnaryFunction { public float Apply(float x) => MathF.Acosh(x); public double Apply(double x) => Math.Acosh(x); }
internal readonly struct AtanhF : IUnaryFunction { public float Apply(float x) => MathF.Atanh(x); public double Apply(double x) => Math.Atanh(x); }

internal readonly struct ThresholdedReluF(float alpha) : IUnaryFunction
{
    public float Apply(float x) => x > alpha ? x : (float.IsNaN(x) ? x : 0);
    public double Apply(double x) => x > alpha ? x : (double.IsNaN(x) ? x : 0);
}

internal readonly struct ShrinkF(float bias, float lambd) : IUnaryFunction
{
    public float Apply(float x) => x < -lambd ? x + bias : x > lambd ? x - bias : (float.IsNaN(x) ? x : 0);
    public double Apply(double x) => x < -lambd ? x + bias : x > lambd ? x - bias : (double.IsNaN(x) ? x : 0);
}

internal readonly struct CeluF(float alpha) : IUnaryFunction
{
    public float Apply(float x) => Math.Max(0f, x) + Math.Min(0f, alpha * (MathF.Exp(x / alpha) - 1));
    public double Apply(double x) => Math.Max(0, x) + Math.Min(0, alpha * (Math.Exp(x / alpha) - 1));
}
