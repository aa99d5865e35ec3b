namespace OnnxNorm.Workflows.Comparison;

/// <summary>An element passes when |a - b| &lt;= Atol + Rtol * |b| (b is the reference), as numpy.isclose.</summary>
public readonly record struct Tolerance(double Rtol, double Atol)
{
    /// <summary>Whether |actual − expected| ≤ Atol + Rtol·|expected|.</summary>
    public bool Accepts(double actual, double expected) => Math.Abs(actual - expected) <= Atol + Rtol * Math.Abs(expected);

    /// <summary>"rtol=… atol=…".</summary>
    public override string ToString() => $"rtol={Rtol:G3} atol={Atol:G3}";
}
