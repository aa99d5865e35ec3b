using OnnxNorm.Ir;

namespace OnnxNorm.Runtime.Execution;

/// <summary>
/// The native CPU executor for one model. <see cref="Create(Model, SessionOptions?)"/> compiles the plan once (every op checked
/// against the kernel registry, weights prepared); <see cref="Run"/> executes it. Runs are serialised: use
/// one session per thread for concurrent inference.
/// </summary>
public sealed class NativeSession
{
    private readonly ExecutionPlan _plan;
    private readonly SessionOptions _options;
    private readonly BufferPool _pool;
    private readonly object _gate = new();

    private NativeSession(Model model, ExecutionPlan plan, SessionOptions options)
    {
        Model = model;
        _plan = plan;
        _options = options;
        _pool = new BufferPool(options.MaxTensorBytes, options.MaxTotalBytes);
        Inputs = plan.Inputs.Select(i => new SessionIO(i.Value.Name, i.Value.ElementType, i.Value.Shape)).ToArray();
        // The reference modes hand every floating-point output out as double.
        Outputs = plan.Outputs.Select(o => new SessionIO(o.Value.Name,
            options.Precision != ExecutionPrecision.Native && ReferencePrecisionStep.IsReal(o.Value.ElementType) ? ElementType.Double : o.Value.ElementType,
            o.Value.Shape)).ToArray();
    }

    /// <summary>The compiled plan (tests read its constants).</summary>
    internal ExecutionPlan Plan => _plan;

    /// <summary>The session's buffers (tests read its memory plan).</summary>
    internal BufferPool Pool => _pool;

    /// <summary>The model this session runs.</summary>
    public Model Model { get; }
    /// <summary>The precision every op computes in.</summary>
    public ExecutionPrecision Precision => _options.Precision;
    /// <summary>Every graph input, including those with a default (overridable initializers).</summary>
    public IReadOnlyList<SessionIO> Inputs { get; }
    /// <summary>The graph outputs.</summary>
    public IReadOnlyList<SessionIO> Outputs { get; }

    /// <summary>Inputs without a default value (overridable initializers excluded).</summary>
    public IEnumerable<SessionIO> RequiredInputs => Inputs.Where((_, i) => _plan.Constants[_plan.Inputs[i].Slot] is null);

    /// <summary>The GEMM kernel this process runs on ("avx512f", "avx2+fma" or "scalar"), chosen for the CPU at start.</summary>
    public static string GemmKernel => Kernels.KernelSupport.GemmKernel;

    /// <summary>Plans <paramref name="model"/> once for repeated runs on the built-in operators.</summary>
    /// <exception cref="BadInputException">An operator the executor does not implement, or a malformed node (one line naming it).</exception>
    public static NativeSession Create(Model model, SessionOptions? options = null) => Create(model, options, registry: null);

    /// <summary>The same on another operator table (tests inject a deliberately broken kernel there).</summary>
    internal static NativeSession Create(Model model, SessionOptions? options, KernelRegistry? registry)
    {
        options ??= SessionOptions.Default;
        if (options.Threads < 1) throw new BadInputException($"threads must be at least 1, not {options.Threads}");
        var builder = new PlanBuilder(registry ?? KernelRegistry.Builtin, options);
        return new NativeSession(model, builder.Build(model.Graph), options);
    }

    /// <summary>Runs the plan once on <paramref name="feeds"/> (by input name); returns every output by name. Runs are serialised.</summary>
    /// <exception cref="BadInputException">A missing input, or one of the wrong type or shape.</exception>
    public Dictionary<string, TensorValue> Run(IReadOnlyDictionary<string, TensorValue> feeds)
    {
        lock (_gate)
        {
            var slots = new TensorValue?[_plan.SlotCount];
            foreach (var name in feeds.Keys)
                if (!_plan.Inputs.Any(i => i.Value.Name == name))
                    throw new BadInputException($"'{name}' is not an input of the model (inputs: {string.Join(", ", Inputs.Select(i => i.Name))})");
            for (int i = 0; i < _plan.Inputs.Length; i++)
            {
                var (v, slot) = _plan.Inputs[i];
                if (feeds.TryGetValue(v.Name, out var t))
                {
                    CheckFeed(Inputs[i], t);
                    slots[slot] = _options.Precision == ExecutionPrecision.Native ? t : Widened(t);
                }
                else if (_plan.Constants[slot] is null)
                    throw new BadInputException($"input '{v.Name}' was not given");
            }
            bool completed = false;
            _pool.BeginRun();
            try
            {
                Executor.Run(_plan, slots, _pool, _options);
                var result = new Dictionary<string, TensorValue>(StringComparer.Ordinal);
                var handedOut = new HashSet<Array>(ReferenceEqualityComparer.Instance);
                for (int i = 0; i < _plan.Outputs.Length; i++)
                {
                    var (v, slot) = _plan.Outputs[i];
                    var t = slots[slot] ?? throw new InvalidOperationException($"output '{v.Name}' was not computed");
                    // Never hand out a constant's buffer (the caller could change it) nor one buffer twice.
                    if (!_plan.OutputOwned[i] && _plan.Constants[slot] is not null || !handedOut.Add(t.Buffer)) t = Copy(t);
                    if (_plan.OutputOwned[i]) _pool.Forget(t);
                    result[v.Name] = t;
                }
                completed = true;
                return result;
            }
            finally
            {
                _pool.EndRun(completed);
            }
        }
    }

    // Reference modes: a float feed becomes a double copy (the caller's tensor is never changed).
    private static TensorValue Widened(TensorValue t)
    {
        if (t.ElementType is not (ElementType.Float or ElementType.Float16 or ElementType.BFloat16)) return t;
        var d = TensorValue.Allocate(ElementType.Double, (long[])t.Shape.Clone());
        Operators.Cast.Convert(t, d);
        return d;
    }

    internal static TensorValue Copy(TensorValue t)
    {
        var c = TensorValue.Allocate(t.ElementType, (long[])t.Shape.Clone());
        Array.Copy(t.Buffer, c.Buffer, t.Length);
        return c;
    }

    private static void CheckFeed(SessionIO io, TensorValue t)
    {
        if (io.ElementType != ElementType.Undefined && t.ElementType != io.ElementType)
            throw new BadInputException($"input '{io.Name}' is {io.ElementType.Name()}, but a {t.ElementType.Name()} tensor was given");
        if (io.Shape is null) return;
        if (io.Shape.Length != t.Rank)
            throw new BadInputException($"input '{io.Name}' has rank {io.Shape.Length} ({io}), but a tensor of shape [{string.Join(',', t.Shape)}] was given");
        for (int d = 0; d < t.Rank; d++)
            if (io.Shape[d].Value is long want && want != t.Shape[d])
                throw new BadInputException($"input '{io.Name}' needs dim {d} = {want} ({io}), but a tensor of shape [{string.Join(',', t.Shape)}] was given");
    }
}
