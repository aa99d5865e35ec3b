using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Runtime.Operators;

/// <summary>
/// Softmax, LogSoftmax and Hardmax. Opset &lt; 13: the input is flattened to 2-D at 'axis' (default 1) and
/// normalised over everything after it; opset ≥ 13: normalised along 'axis' alone (default -1).
/// </summary>
internal sealed class Softmax : IOperator
{
    private readonly long _axis;
    private readonly bool _flatten;
    private readonly int _mode; // 0 softmax, 1 log-softmax, 2 hardmax

    private Softmax(long axis, bool flatten, int mode)
    {
        _axis = axis;
        _flatten = flatten;
        _mode = mode;
    }

    public static OperatorFactory Factory(int mode) => ComputeInFloat.Wrap(n =>
    {
        n.OnlyAttributes("axis");
        bool flatten = n.Opset < 13;
        return new Softmax(n.Int("axis", flatten ? 1 : -1), flatten, mode);
    }, includeDouble: false);

    public void Run(OpContext ctx)
    {
        var x = ctx.Required(0);
        var y = ctx.Output(0, x.ElementType, x.Shape);
        if (x.Length == 0) return;
        int rank = x.Rank;
        int axis = Shapes.Axis(_axis, Math.Max(rank, 1), ctx.Node.Describe());
        long outer = Shapes.Size(x.Shape, 0, axis);
        long len = _flatten ? Shapes.Size(x.Shape, axis) : (rank == 0 ? 1 : x.Shape[axis]);
        long inner = _flatten ? 1 : Shapes.Size(x.Shape, axis + 1);
        if (x.ElementType == ElementType.Double)
        {
            var da = x.AsSpan<double>();
            var db = y.AsSpan<double>();
            for (long o = 0; o < outer; o++)
                for (long i = 0; i < inner; i++) Float64.DoubleSoftmax.Row(da, db, o * len * inner + i, len, inner, _mode);
            return;
        }
        if (x.ElementType != ElementType.Float) throw new BadInputException($"{ctx.Node.Describe()}: {ctx.Node.OpType} does not support {x.ElementType.Name()}");
        var a = x.AsSpan<float>();
        var b = y.AsSpan<float>();
        if (_mode == 0 && inner == 1)
        {
            SoftmaxRows.Run(a, b, (int)outer, (int)len, ctx.Kernels);
            return;
        }
        for (long o = 0; o < outer; o++)
        for (long i = 0; i < inner; i++)
        {
            long baseIdx = o * len * inner + i;
            float max = float.NegativeInfinity;
            long arg = 0;
            for (long k = 0; k < len; k++)
            {
                float v = a[(int)(baseIdx + k * inner)];
                if (v > max || (float.IsNaN(v) && !float.IsNaN(max))) { max = v; arg = k; }
            }
            if (_mode == 2)
            {
                for (long k = 0; k < len; k++) b[(int)(baseIdx + k * inner)] = k == arg ? 1 : 0;
                continue;
            }
            // exp once per element, kept in the output, then scaled (softmax) or turned into logs (log-softmax).
            double sum = 0;
            for (long k = 0; k < len; k++)
            {
                int at = (int)(baseIdx + k * inner);
                float e = MathF.Exp(a[at] - max);
                b[at] = e;
                sum += e;
            }
            if (_mode == 0)
            {
                float inv = (float)(1.0 / sum);
                for (long k = 0; k < len; k++) b[(int)(baseIdx + k * inner)] *= inv;
            }
            else
            {
                double logSum = Math.Log(sum);
                for (long k = 0; k < len; k++)
                {
                    int at = (int)(baseIdx + k * inner);
                    b[at] = (float)(a[at] - max - logSum);
                }
            }
        }
    }
}
