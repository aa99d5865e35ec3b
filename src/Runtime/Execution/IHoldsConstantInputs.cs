namespace OnnxNorm.Runtime.Execution;

/// <summary>
/// An operator that keeps some of its constant inputs itself, in the form it runs on (a Conv's packed weights):
/// the plan does not feed those inputs, so the plain copy of the constant is not kept alive next to the packed one.
/// </summary>
internal interface IHoldsConstantInputs
{
    /// <summary>Whether the operator never reads input <paramref name="input"/> from the context.</summary>
    bool Holds(int input);
}
