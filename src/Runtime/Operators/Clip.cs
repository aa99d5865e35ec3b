using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Runtime.Operators;

/// <summary>Clip opset 11+: min and max as optional scalar inputs, any numeric type. (Opset 6-10 uses attributes: see <see cref="ClipF"/>.)</summary>
internal sealed class Clip : IOperator
{
    public static IOperator Create(NodeInfo n)
    {
        n.OnlyAttributes();
        return new Clip();
    }

    public void Run(OpContext ctx)
    {
        var x = ctx.Required(0);
        var min = ctx.Input(1);
        var max = ctx.Input(2);
        var y = ctx.Output(0, x.ElementType, x.Shape);
        int n = x.Length;
        switch (x.Buffer)
        {
            case float[] a:
            {
                float lo = min is null ? float.NegativeInfinity : ((float[])min.Buffer)[0];
                float hi = max is null ? float.PositiveInfinity : ((float[])max.Buffer)[0];
                ActivationMath.Apply(a, (float[])y.Buffer, n, new Activation(FusedActivation.Clip, Min: lo, Max: hi), ctx.Kernels);
                break;
            }
            case double[] a:
            {
                double lo = min is null ? double.NegativeInfinity : ((double[])min.Buffer)[0];
                double hi = max is null ? double.PositiveInfinity : ((double[])max.Buffer)[0];
                var b = (double[])y.Buffer;
                for (int i = 0; i < n; i++) b[i] = ClipOperator.Of(a[i], lo, hi);
                break;
            }
            default:
            {
                if (Shapes.IsFloat(x.ElementType) || x.ElementType == ElementType.Bool)
                    throw new BadInputException($"{ctx.Node.Describe()}: Clip does not support {x.ElementType.Name()}");
                var v = Cast.ReadLongs(x);
                long lo = min is null ? long.MinValue : Cast.ReadLongs(min)[0];
                long hi = max is null ? long.MaxValue : Cast.ReadLongs(max)[0];
                for (int i = 0; i < n; i++) { long c = v[i] < lo ? lo : v[i]; v[i] = c > hi ? hi : c; }
                Cast.WriteLongs(v, y);
                break;
            }
        }
    }
}
