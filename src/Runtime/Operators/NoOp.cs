using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>A step that computes nothing (an observed Constant: its value is already in its slot).</summary>
internal sealed class NoOp : IOperator
{
    public static readonly NoOp Instance = new();
    public void Run(OpContext ctx) { }
}
