namespace OnnxNorm.Runtime.Execution;

/// <summary>
/// One node's prepared operator: built once per node by its factory (attributes parsed, constant weights
/// packed), then run once per inference. Inputs and outputs go through the <see cref="OpContext"/>.
/// </summary>
internal interface IOperator
{
    void Run(OpContext ctx);
}
