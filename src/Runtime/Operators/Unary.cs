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

    private readonly struct FloatRun(TF f, float[] x, float[] y) : IRangeWork
    {
        public void Run(int first, int count) => f.ApplyFloats(x.AsSpan(first, count), y.AsSpan(first, count));
    }

    public void Run(OpContext ctx)
    {
        var x = ctx.Required(0);
        var y = ctx.Output(0, x.ElementType, x.Shape);
        int n = x.Length;
        switch (x.Buffer)
        {
            // The activations (Relu, Clip, LeakyRelu, Sigmoid, ...) run on their operator struct's SIMD loop.
            case float[] a when _f.FloatActivation.Kind != FusedActivation.None:
                ActivationMath.Apply(a, (float[])y.Buffer, n, _f.FloatActivation, ctx.Kernels);
                break;
            case float[] a when _f.HasFloatRun:
            {
                ParallelRanges.Run(n, ParallelWork.ActivationValueCost, ctx.Kernels, new FloatRun(_f, a, (float[])y.Buffer), align: 16);
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
