using System.Numerics;

namespace OnnxNorm.Runtime.Operators.Arithmetic;

/// <summary>a / b.</summary>
internal readonly struct DivideOperator : IBinaryArithmetic
{
    public float Invoke(float a, float b) => a / b;
    public Vector<float> Invoke(Vector<float> a, Vector<float> b) => a / b;
}
