using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Runtime.Operators;

/// <summary>An elementwise operator of one input: Relu, Sigmoid, Exp, ... (the function is <typeparamref name="TF"/>).
/// float and double natively; float16 is computed in float32 by the registry's wrapper; integers where the function allows.</summary>
internal sealed class Unary<TF> : IOperator where TF : struct, IUnaryFunction
{
    private readonly TF _f;

    public Unary(TF f) => _f = f;

    public void Run(OpContext ctx)
    {
        var x = ctx.Required(0);
        var y = ctx.Output(0, x.ElementType, x.Shape);
        int n = x.Length;
        switch (x.Buffer)
        {
            // Clip and Relu, the CNN activations, take the SIMD loop (typeof checks fold away per TF).
            case float[] a when typeof(TF) == typeof(ClipF):
                var clip = (ClipF)(object)_f;
                FloatKernels.Clip(a, (float[])y.Buffer, n, clip.Min, clip.Max, ctx.Threads);
                break;
            case float[] a when typeof(TF) == typeof(ReluF):
                FloatKernels.Clip(a, (float[])y.Buffer, n, 0f, float.PositiveInfinity, ctx.Threads);
                break;
            case float[] a when _f.FloatActivation.Kind != FusedActivation.None:
            {
                var b = (float[])y.Buffer;
                var act = _f.FloatActivation;
                FloatKernels.Chunks(n, ctx.Threads, (s, l) => ActivationMath.Apply(a.AsSpan(s, l), b.AsSpan(s, l), act));
                break;
            }
            case float[] a when _f.HasFloatRun:
            {
                var b = (float[])y.Buffer;
                var f = _f;
                FloatKernels.Chunks(n, ctx.Threads, (s, l) => f.ApplyFloats(a.AsSpan(s, l), b.AsSpan(s, l)));
                break;
            }
            case float[] a:
            {
                var b = (float[])y.Buffer;
                var f = _f;
                for (int i = 0; i < n; i++) b[i] = f.Apply(a[i]);
                break;
            }
            case double[] a:
            {
                var b = (double[])y.Buffer;
                var f = _f;
                for (int i = 0; i < n; i++) b[i] = f.Apply(a[i]);
                break;
            }
            default:
                if (!_f.SupportsIntegers || Shapes.IsFloat(x.ElementType) || x.ElementType == ElementType.Bool)
                    throw new BadInputException($"{ctx.Node.Describe()}: {ctx.Node.OpType} does not support {x.ElementType.Name()} tensors");
                var l = Cast.ReadLongs(x);
                for (int i = 0; i < n; i++) l[i] = _f.Apply(l[i]);
                Cast.WriteLongs(l, y);
                break;
        }
    }

    public static OperatorFactory Factory(Func<NodeInfo, TF> make, params string[] attributes) =>
        ComputeInFloat.Wrap(n =>
        {
            n.OnlyAttributes(attributes);
            return new Unary<TF>(make(n));
        }, includeDouble: false);
}
