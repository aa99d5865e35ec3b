using System.Runtime.InteropServices;
using OnnxNorm.Graph;

namespace OnnxNorm.Runtime.Ort;

/// <summary>
/// An ONNX Runtime inference session over our own binding. Inputs and outputs are <see cref="TensorValue"/>s;
/// inputs are handed to ORT in place (pinned, not copied), outputs are copied out and ORT's buffers freed at
/// once, so a run leaves nothing behind. Not thread-safe: one run at a time per session.
/// </summary>
public sealed unsafe class OrtSession : IDisposable
{
    private readonly OrtNativeApi _api;
    private readonly OrtHandle _session;
    private readonly Dictionary<string, OrtValueInfo> _inputsByName;

    private OrtSession(OrtNativeApi api, IntPtr session, string label)
    {
        _api = api;
        _session = new OrtHandle(session, OrtNativeApi.ReleaseSessionIndex);
        Label = label;
        int inputs = api.InputCount(session), outputs = api.OutputCount(session);
        var ins = new List<OrtValueInfo>(inputs);
        for (int i = 0; i < inputs; i++) ins.Add(api.InputInfo(session, api.InputName(session, i), i));
        var outs = new List<OrtValueInfo>(outputs);
        for (int i = 0; i < outputs; i++) outs.Add(api.OutputInfo(session, api.OutputName(session, i), i));
        Inputs = ins;
        Outputs = outs;
        _inputsByName = ins.ToDictionary(v => v.Name, StringComparer.Ordinal);
    }

    /// <summary>The file name (or label) of the model, for messages.</summary>
    public string Label { get; }

    public IReadOnlyList<OrtValueInfo> Inputs { get; }
    public IReadOnlyList<OrtValueInfo> Outputs { get; }

    /// <summary>The ORT library version in use, e.g. "1.30.0".</summary>
    public static string RuntimeVersion => OrtNativeApi.Instance.Version;

    /// <summary>Where the ORT library was loaded from.</summary>
    public static string RuntimeLibraryPath => OrtNativeApi.Instance.LibraryPath;

    public static OrtSession FromFile(string path, OrtSessionOptions? options = null)
    {
        options ??= OrtSessionOptions.Default;
        string label = Path.GetFileName(path);
        if (options.ValidateModel)
        {
            using var checkedModel = ModelLoader.Load(path);
            Engines.OrtKernelGuard.Check(checkedModel);
        }
        else if (!File.Exists(path)) throw new BadInputException($"{path}: file not found");
        var api = OrtNativeApi.Instance;
        return Create(api, options, label, o => api.CreateSession(Path.GetFullPath(path), o));
    }

    /// <summary>A session from model bytes. External data, if any, cannot be resolved from bytes.</summary>
    public static OrtSession FromBytes(ReadOnlySpan<byte> model, OrtSessionOptions? options = null, string label = "model") =>
        FromBytes(model.ToArray(), options, label);

    /// <summary>A session from model bytes (ORT copies what it needs; the array is not kept).</summary>
    public static OrtSession FromBytes(byte[] model, OrtSessionOptions? options = null, string label = "model")
    {
        options ??= OrtSessionOptions.Default;
        if (options.ValidateModel)
        {
            using var checkedModel = ModelLoader.Load(model, label);
            Engines.OrtKernelGuard.Check(checkedModel);
        }
        var api = OrtNativeApi.Instance;
        return Create(api, options, label, o => api.CreateSessionFromArray(model, o));
    }

    private static OrtSession Create(OrtNativeApi api, OrtSessionOptions options, string label, Func<IntPtr, IntPtr> create)
    {
        if (options.IntraOpThreads < 0 || options.InterOpThreads < 0) throw new BadInputException("thread counts cannot be negative");
        IntPtr native = api.CreateSessionOptions();
        try
        {
            api.SetGraphOptimizationLevel(native, options.OptimizationLevel);
            api.SetIntraOpNumThreads(native, options.IntraOpThreads);
            api.SetInterOpNumThreads(native, options.InterOpThreads);
            if (options.OptimizedModelPath is { } p) api.SetOptimizedModelFilePath(native, Path.GetFullPath(p));
            IntPtr session;
            try { session = create(native); }
            catch (OrtException e) { throw new OrtException(e.Code, $"{label}: {e.Message}"); }
            try { return new OrtSession(api, session, label); }
            catch
            {
                api.Release(OrtNativeApi.ReleaseSessionIndex, session);
                throw;
            }
        }
        finally { api.Release(OrtNativeApi.ReleaseSessionOptionsIndex, native); }
    }

    /// <summary>
    /// Runs the model. Every model input without a default must be given; <paramref name="outputNames"/>
    /// defaults to all outputs. Names, element types and fixed dims are checked first, with messages that
    /// name the tensor.
    /// </summary>
    /// <summary>
    /// Runs the model. Outputs are copied into managed arrays; an output in <paramref name="reuse"/> (a caller's
    /// earlier result it no longer needs) with the same type and shape is copied into again, so a loop over
    /// batches does not touch fresh memory each time.
    /// </summary>
    public Dictionary<string, TensorValue> Run(IReadOnlyDictionary<string, TensorValue> inputs, IReadOnlyList<string>? outputNames = null,
        IReadOnlyDictionary<string, TensorValue>? reuse = null)
    {
        ObjectDisposedException.ThrowIf(_session.IsClosed, this);
        CheckInputs(inputs);
        var outNames = outputNames ?? Outputs.Select(o => o.Name).ToList();
        foreach (var name in outNames)
            if (!Outputs.Any(o => o.Name == name))
                throw new BadInputException($"{Label}: '{name}' is not an output of the model");

        int nIn = inputs.Count, nOut = outNames.Count;
        var pins = new List<GCHandle>(nIn);
        var inputValues = new IntPtr[nIn];
        var outputValues = new IntPtr[nOut];
        var names = new List<IntPtr>(nIn + nOut);
        try
        {
            var inputNamePtrs = new IntPtr[nIn];
            int k = 0;
            foreach (var (name, value) in inputs)
            {
                inputNamePtrs[k] = Utf8(name, names);
                inputValues[k] = ToOrtValue(name, value, pins);
                k++;
            }
            var outputNamePtrs = new IntPtr[nOut];
            for (int i = 0; i < nOut; i++) outputNamePtrs[i] = Utf8(outNames[i], names);

            bool added = false;
            _session.DangerousAddRef(ref added);
            try
            {
                fixed (IntPtr* inN = inputNamePtrs)
                fixed (IntPtr* inV = inputValues)
                fixed (IntPtr* outN = outputNamePtrs)
                fixed (IntPtr* outV = outputValues)
                {
                    try { _api.Run(_session.DangerousGetHandle(), inN, inV, nIn, outN, nOut, outV); }
                    catch (OrtException e) { throw new OrtException(e.Code, $"{Label}: {e.Message}"); }
                }
            }
            finally { if (added) _session.DangerousRelease(); }

            var result = new Dictionary<string, TensorValue>(nOut, StringComparer.Ordinal);
            for (int i = 0; i < nOut; i++) result[outNames[i]] = FromOrtValue(outNames[i], outputValues[i], reuse?.GetValueOrDefault(outNames[i]));
            return result;
        }
        finally
        {
            foreach (var v in outputValues) _api.Release(OrtNativeApi.ReleaseValueIndex, v);
            foreach (var v in inputValues) _api.Release(OrtNativeApi.ReleaseValueIndex, v);
            foreach (var p in pins) p.Free();
            foreach (var n in names) Marshal.FreeCoTaskMem(n);
        }
    }

    private void CheckInputs(IReadOnlyDictionary<string, TensorValue> inputs)
    {
        foreach (var (name, value) in inputs)
        {
            if (!_inputsByName.TryGetValue(name, out var info))
                throw new BadInputException($"{Label}: '{name}' is not an input of the model (inputs: {string.Join(", ", Inputs.Select(i => i.Name))})");
            if (info.Kind != OrtValueKind.Tensor)
                throw new BadInputException($"{Label}: input '{name}' is a {info.Kind.ToString().ToLowerInvariant()}; only tensor inputs are supported");
            if (value.ElementType != info.ElementType)
                throw new BadInputException($"{Label}: input '{name}' must be {info.ElementType.Name()}, got {value.ElementType.Name()}");
            if (value.Rank != info.Dims.Length)
                throw new BadInputException($"{Label}: input '{name}' must have shape {info}, got [{string.Join(',', value.Shape)}] (rank {value.Rank})");
            for (int d = 0; d < value.Rank; d++)
                if (info.Dims[d] >= 0 && info.Dims[d] != value.Shape[d])
                    throw new BadInputException($"{Label}: input '{name}' must have shape {info}, got [{string.Join(',', value.Shape)}]");
        }
        foreach (var info in Inputs)
            if (!inputs.ContainsKey(info.Name))
                throw new BadInputException($"{Label}: input '{info.Name}' ({info}) is missing");
    }

    private IntPtr ToOrtValue(string name, TensorValue value, List<GCHandle> pins)
    {
        if (value.ElementType == ElementType.String)
            return _api.CreateStringTensor(value.Shape, (string[])value.Buffer, value.Length);
        var pin = GCHandle.Alloc(value.Buffer, GCHandleType.Pinned);
        pins.Add(pin);
        long bytes = value.ElementType.ByteCount(value.Length);
        return _api.CreateTensorWithData((void*)pin.AddrOfPinnedObject(), bytes, value.Shape, value.ElementType);
    }

    private TensorValue FromOrtValue(string name, IntPtr value, TensorValue? reuse)
    {
        var kind = _api.ValueKind(value);
        if (kind != OrtValueKind.Tensor)
            throw new BadInputException($"{Label}: output '{name}' is a {kind.ToString().ToLowerInvariant()}; only tensor outputs are supported");
        var (type, dims) = _api.TensorTypeAndShape(value);
        if (type == ElementType.String)
        {
            int count = TensorValue.ElementCount(dims, $"output '{name}'");
            return TensorValue.Wrap(ElementType.String, dims, _api.StringTensorContent(value, count));
        }
        var result = reuse is not null && reuse.ElementType == type && reuse.Shape.AsSpan().SequenceEqual(dims)
            ? reuse : TensorValue.Allocate(type, dims, $"output '{name}'");
        var target = result.AsBytes();
        if (target.Length > 0) new ReadOnlySpan<byte>(_api.TensorData(value), target.Length).CopyTo(target);
        return result;
    }

    private static IntPtr Utf8(string s, List<IntPtr> owned)
    {
        var p = Marshal.StringToCoTaskMemUTF8(s);
        owned.Add(p);
        return p;
    }

    public void Dispose() => _session.Dispose();
}
