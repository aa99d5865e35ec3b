using System.Numerics;

namespace OnnxNorm.Runtime.Operators.Arithmetic;

/// <summary>
/// One float32 arithmetic operator in the shape of <c>TensorPrimitives</c>' operators: a struct with its scalar and
/// vector forms, so <see cref="FloatKernels"/> has one generic row loop instead of a switch per operand layout. Both
/// forms are the same IEEE operation lane by lane, so results do not depend on the vector width or on the split.
/// </summary>
internal interface IBinaryArithmetic
{
    float Invoke(float a, float b);
    Vector<float> Invoke(Vector<float> a, Vector<float> b);
}
