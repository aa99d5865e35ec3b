using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Runtime.Operators;

/// <summary>
/// A chain of elementwise nodes the plan recognised as one activation (a written-out HardSwish that follows no
/// Conv), run as one pass over float32 data on <see cref="ActivationMath"/>: the chain's first node's step, reading
/// that node's input <c>input</c> and writing the chain's last output.
/// </summary>
internal sealed class ElementwiseActivation(Activation activation, int input) : IOperator
{
    public void Run(OpContext ctx)
    {
        var x = ctx.Required(input);
        if (x.Buffer is not float[] xs)
            throw new BadInputException($"{ctx.Node.Describe()}: {ctx.Node.OpType} of {x.ElementType.Name()} data reached a float32 activation chain");
        var y = ctx.Output(0, ElementType.Float, x.Shape);
        ActivationMath.Apply(xs, (float[])y.Buffer, x.Length, activation, ctx.Kernels);
    }
}
