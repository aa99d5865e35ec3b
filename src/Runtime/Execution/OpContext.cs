using OnnxNorm.Ir;
using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Runtime.Execution;

/// <summary>What a running operator sees: its inputs, a way to allocate or alias its outputs, and the thread budget.</summary>
internal sealed class OpContext
{
    private readonly TensorValue?[] _slots;
    private readonly BufferPool _pool;
    private int[] _inputs = Array.Empty<int>();
    private int[] _outputs = Array.Empty<int>();

    internal OpContext(TensorValue?[] slots, BufferPool pool, SessionOptions options)
    {
        _slots = slots;
        _pool = pool;
        Options = options;
        Threads = Math.Max(1, options.Threads);
        Kernels = new KernelTarget(options.Isa ?? KernelSupport.Best, Threads, options.SplitAllWork);
    }

    internal SessionOptions Options { get; }
    internal BufferPool Pool => _pool;

    public int Threads { get; }

    /// <summary>The session's instruction set and thread budget, as the kernels take them.</summary>
    public KernelTarget Kernels { get; }

    /// <summary>The node being run (for error messages).</summary>
    public Node Node { get; private set; } = null!;

    internal void Bind(Node node, int[] inputs, int[] outputs)
    {
        Node = node;
        _inputs = inputs;
        _outputs = outputs;
    }

    public int InputCount => _inputOverride?.Length ?? _inputs.Length;
    public int OutputCount => _outputs.Length;

    /// <summary>Input i, or null when it is absent (optional input left empty or beyond the list).</summary>
    public TensorValue? Input(int i) =>
        _inputOverride is not null ? (i < _inputOverride.Length ? _inputOverride[i] : null)
        : i < _inputs.Length && _inputs[i] >= 0 ? _slots[_inputs[i]] : null;

    private TensorValue?[]? _inputOverride;
    private TensorValue?[]? _outputCapture;

    /// <summary>Lets a wrapper (float16 computed in float32) substitute the inputs and capture the outputs.</summary>
    internal void Override(TensorValue?[]? inputs, TensorValue?[]? outputs)
    {
        _inputOverride = inputs;
        _outputCapture = outputs;
    }

    public TensorValue Required(int i) =>
        Input(i) ?? throw new BadInputException($"{Node.Describe()}: input {i} is missing");

    /// <summary>Whether the model uses output i (optional outputs may be left out).</summary>
    public bool WantsOutput(int i) => i < _outputs.Length && _outputs[i] >= 0;

    /// <summary>Allocates output i; the operator must write every element (use <see cref="OutputZeroed"/> to accumulate).
    /// For an output the model does not use, returns a scratch tensor.</summary>
    public TensorValue Output(int i, ElementType type, long[] shape) => Output(i, type, shape, zeroed: false);

    /// <summary>Allocates output i filled with zeros.</summary>
    public TensorValue OutputZeroed(int i, ElementType type, long[] shape) => Output(i, type, shape, zeroed: true);

    private TensorValue Output(int i, ElementType type, long[] shape, bool zeroed)
    {
        var v = _pool.Rent(type, shape, Node.Describe(), zeroed);
        if (_outputCapture is not null && i < _outputCapture.Length) _outputCapture[i] = v;
        else if (_outputCapture is null && WantsOutput(i)) _slots[_outputs[i]] = v;
        else Scratch.Add(v);
        return v;
    }

    /// <summary>Sets output i to a tensor that shares an input's buffer (views: Reshape, Identity, ...).</summary>
    public void SetOutput(int i, TensorValue value)
    {
        if (_outputCapture is not null && i < _outputCapture.Length) _outputCapture[i] = value;
        else if (_outputCapture is null && WantsOutput(i)) _slots[_outputs[i]] = value;
    }

    /// <summary>Outputs the model does not use; the executor returns them to the pool after the step.</summary>
    internal List<TensorValue> Scratch { get; } = new();

    internal TensorValue Rent(ElementType type, long[] shape) => _pool.Rent(type, shape, Node.Describe());

    internal void Return(TensorValue v) => _pool.Return(v);
}
