using System.Runtime.Intrinsics;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// One activation in the shape of <c>TensorPrimitives</c>' operators: a struct that carries its scalar form and its
/// 256- and 512-bit forms. The three agree bit for bit on every input, NaN, ±0, ±∞ and denormals included (a test
/// checks it), so a loop may use any width, finish its ragged end with the scalar form, and its result does not
/// depend on the instruction set or on how a tensor is split. <see cref="ActivationLoop"/> is the one driver.
/// </summary>
internal interface IActivationOperator
{
    float Invoke(float x);
    Vector256<float> Invoke(Vector256<float> x);
    Vector512<float> Invoke(Vector512<float> x);
}
