using OnnxNorm.Ir;
using OnnxNorm.Runtime.Engines;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Runtime;

namespace OnnxNorm.Workflows.Comparison.NoiseAware;

/// <summary>
/// The native executor's float64 reference runs of the trusted model: <see cref="Float64"/> gives R, and
/// <see cref="Declared"/> (only for models with float16/bfloat16 values) the same model rounded per node to its
/// declared types, whose distance from R is part of the noise floor.
/// </summary>
public sealed class ReferenceRuns : IDisposable
{
    private ReferenceRuns(NativeEngine float64, NativeEngine? declared)
    {
        Float64 = float64;
        Declared = declared;
    }

    /// <summary>The float64 reference R.</summary>
    public NativeEngine Float64 { get; }
    /// <summary>The model rounded per node to its declared types; null unless it has float16/bfloat16 values.</summary>
    public NativeEngine? Declared { get; }

    /// <summary>Builds the reference engines for the model at <paramref name="source"/> (each loads its own copy).</summary>
    public static ReferenceRuns For(ModelSource source)
    {
        var f64 = new NativeEngine(source.Load(), new SessionOptions { Precision = ExecutionPrecision.Float64 });
        NativeEngine? declared = null;
        try
        {
            if (HasHalfPrecision(f64.Session.Model))
                declared = new NativeEngine(source.Load(), new SessionOptions { Precision = ExecutionPrecision.Declared });
        }
        catch
        {
            f64.Dispose();
            throw;
        }
        return new ReferenceRuns(f64, declared);
    }

    /// <summary>True when any input, output, weight or declared value of the main graph is float16 or bfloat16, or a Cast produces one.</summary>
    public static bool HasHalfPrecision(Model model)
    {
        static bool Half(ElementType t) => t is ElementType.Float16 or ElementType.BFloat16;
        var g = model.Graph;
        if (g.Inputs.Any(v => Half(v.ElementType)) || g.Outputs.Any(v => Half(v.ElementType))) return true;
        foreach (var n in g.Nodes)
        {
            if (n.OpType == "Cast" && Half((ElementType)n.GetInt("to", 0))) return true;
            if (n.Outputs.Any(o => o is not null && Half(o.ElementType))) return true;
            if (n.Inputs.Any(i => i is not null && Half(i.ElementType))) return true;
        }
        return false;
    }

    /// <summary>The noise sources of one output: the trusted run's own error against R, and the declared-precision run's.</summary>
    public static List<NoiseSource> NoiseOf(string trustedLabel, TensorValue trusted, TensorValue r, TensorValue? declared) =>
        NoiseOf(trustedLabel, trusted, r, declared, 1);

    /// <summary>The same with the channels on <paramref name="channelAxis"/> (<see cref="ChannelAxis"/>).</summary>
    public static List<NoiseSource> NoiseOf(string trustedLabel, TensorValue trusted, TensorValue r, TensorValue? declared, int channelAxis)
    {
        var list = new List<NoiseSource>();
        if (!trusted.ElementType.IsFloatingPoint() || !r.ElementType.IsFloatingPoint() || !trusted.Shape.SequenceEqual(r.Shape)) return list;
        var slices = ChannelSlices.Of(r.Shape, channelAxis);
        var rv = r.ToDoubles();
        list.Add(Measure(trustedLabel, trusted, rv, slices));
        if (declared is not null && declared.Shape.SequenceEqual(r.Shape))
            list.Add(Measure("declared-type rounding", declared, rv, slices));
        return list;
    }

    private static NoiseSource Measure(string name, TensorValue x, double[] r, ChannelSlices? slices)
    {
        var xv = x.ToDoubles();
        return new NoiseSource(name, ErrorNorm.Measure(xv, r), slices?.Rms(xv, r), slices is { } sl ? ChannelFit.Of(sl, xv, r) : null);
    }

    /// <summary>Disposes both engines.</summary>
    public void Dispose()
    {
        Float64.Dispose();
        Declared?.Dispose();
    }
}
