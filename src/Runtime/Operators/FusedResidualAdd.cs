using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Runtime.Operators;

/// <summary>
/// A Conv step's fused residual Add (<see cref="ResidualAddFusion"/>) at run time: when the other operand has the
/// Conv output's shape, the kernel adds it to each finished block of its output; otherwise (the plan could not see
/// the shapes, and the Add broadcasts) the Conv's output is computed apart and added as the Add node would.
/// Either way the result is the separate Conv, Add and activation's, bit for bit.
/// </summary>
internal static class FusedResidualAdd
{
    public static void Run(OpContext ctx, ConvKernel kernel, TensorValue x, long[] convShape, TensorValue residual, in Activation after)
    {
        if (residual.ElementType != ElementType.Float)
            throw new BadInputException($"{ctx.Node.Describe()}: the Add after this Conv adds a {residual.ElementType.Name()} tensor to its float output");
        if (residual.Shape.AsSpan().SequenceEqual(convShape))
        {
            var y = ctx.Output(0, ElementType.Float, convShape);
            if (y.Length > 0) kernel.Run(x.AsSpan<float>(), y.AsSpan<float>(), residual.AsSpan<float>(), after, ctx.Kernels);
            return;
        }
        // Rare (a broadcasting Add of two computed tensors), so a temporary is fine here.
        var conv = TensorValue.Allocate(ElementType.Float, convShape);
        if (conv.Length > 0) kernel.Run(x.AsSpan<float>(), conv.AsSpan<float>(), ctx.Kernels);
        var shape = Shapes.Broadcast(ctx, convShape, residual.Shape);
        var sum = ctx.Output(0, ElementType.Float, shape);
        Broadcasting.Apply((float[])conv.Buffer, convShape, (float[])residual.Buffer, residual.Shape, (float[])sum.Buffer, shape, new FloatAdd());
        if (after.Kind != FusedActivation.None) ActivationMath.ApplyInPlace(sum.AsSpan<float>(), after, ctx.Kernels.RunnableIsa);
    }

    private readonly struct FloatAdd : IBinaryOp<float, float>
    {
        public float Apply(float a, float b) => a + b;
    }
}
