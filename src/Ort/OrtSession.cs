using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using OnnxNorm.Ir;
using OnnxNorm.Runtime;
using OperatorProfile = OnnxNorm.Runtime.Execution.OperatorProfile;
using NativeLevel = Microsoft.ML.OnnxRuntime.GraphOptimizationLevel;

namespace OnnxNorm.Ort;

/// <summary>
/// An ONNX Runtime inference session (the Microsoft.ML.OnnxRuntime package's <see cref="InferenceSession"/>).
/// Inputs and outputs are <see cref="TensorValue"/>s; inputs are handed to ORT in place (pinned, not copied),
/// outputs are copied out and ORT's buffers freed at once, so a run leaves nothing behind. Not thread-safe:
/// one run at a time per session.
/// </summary>
public sealed class OrtSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions;
    private readonly Dictionary<string, OrtValueInfo> _inputsByName;
    private readonly OperatorProfile? _profile;
    private DirectoryInfo? _traceDir;
    private bool _disposed;

    private OrtSession(InferenceSession session, string label, OperatorProfile? profile, DirectoryInfo? traceDir)
    {
        _session = session;
        (_profile, _traceDir) = (profile, traceDir);
        Label = label;
        Inputs = session.InputNames.Select(n => Describe(n, session.InputMetadata[n])).ToList();
        Outputs = session.OutputNames.Select(n => Describe(n, session.OutputMetadata[n])).ToList();
        _inputsByName = Inputs.ToDictionary(v => v.Name, StringComparer.Ordinal);
        _runOptions = new RunOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL };
    }

    /// <summary>The file name (or label) of the model, for messages.</summary>
    public string Label { get; }

    /// <summary>The session's inputs as ORT reports them.</summary>
    public IReadOnlyList<OrtValueInfo> Inputs { get; }
    /// <summary>The session's outputs as ORT reports them.</summary>
    public IReadOnlyList<OrtValueInfo> Outputs { get; }

    /// <summary>The ORT library version in use, e.g. "1.31.1".</summary>
    public static string RuntimeVersion => OrtRuntime.Version;

    /// <summary>Opens the model at <paramref name="path"/> in ONNX Runtime.</summary>
    /// <exception cref="OrtException">ORT refuses the model (one line with ORT's reason).</exception>
    public static OrtSession FromFile(string path, OrtSessionOptions? options = null)
    {
        options ??= OrtSessionOptions.Default;
        string label = Path.GetFileName(path);
        if (options.ValidateModel)
        {
            using var checkedModel = ModelLoader.Load(path);
            OrtKernelGuard.Check(checkedModel);
        }
        else if (!File.Exists(path)) throw new BadInputException($"{path}: file not found");
        string fullPath = Path.GetFullPath(path);
        return Create(options, label, o => new InferenceSession(fullPath, o));
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
            OrtKernelGuard.Check(checkedModel);
        }
        return Create(options, label, o => new InferenceSession(model, o));
    }

    private static OrtSession Create(OrtSessionOptions options, string label, Func<SessionOptions, InferenceSession> create)
    {
        if (options.IntraOpThreads < 0 || options.InterOpThreads < 0) throw new BadInputException("thread counts cannot be negative");
        _ = OrtRuntime.Environment;
        InferenceSession session;
        // ORT names its trace itself and writes it when profiling ends or the session goes: a folder of our own
        // keeps it out of the user's directory and lets us delete it whatever happens.
        var traceDir = options.Profile is null ? null : Directory.CreateTempSubdirectory("onnxnorm-ortprof-");
        try
        {
            // ORT copies what it needs from the options when the session is made.
            using var native = new SessionOptions
            {
                GraphOptimizationLevel = (NativeLevel)(int)options.OptimizationLevel,
                IntraOpNumThreads = options.IntraOpThreads,
                InterOpNumThreads = options.InterOpThreads,
                LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL,
            };
            if (options.OptimizedModelPath is { } p) native.OptimizedModelFilePath = Path.GetFullPath(p);
            if (traceDir is not null)
            {
                // The prefix first: enabling profiling hands ORT the prefix set at that moment.
                native.ProfileOutputPathPrefix = Path.Combine(traceDir.FullName, "ort");
                native.EnableProfiling = true;
            }
            session = create(native);
        }
        catch (Exception e)
        {
            DeleteTrace(traceDir);
            if (e is OnnxRuntimeException ort) throw OrtRuntime.Translate(ort, label);
            throw;
        }
        try { return new OrtSession(session, label, options.Profile, traceDir); }
        catch
        {
            session.Dispose();
            DeleteTrace(traceDir);
            throw;
        }
    }

    /// <summary>
    /// Stops ORT's profiler and adds the kernel time of every run after the first <paramref name="skipRuns"/> (warm-up)
    /// to <see cref="OrtSessionOptions.Profile"/>, per op type as ORT ran it (its fused ops under their own names),
    /// Conv kernels classed like the native executor's. The trace file is deleted.
    /// </summary>
    /// <exception cref="InvalidOperationException">The session was made without a profile, or profiling has ended.</exception>
    public void EndProfiling(int skipRuns = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_profile is null || _traceDir is null) throw new InvalidOperationException("ORT is not profiling this session (OrtSessionOptions.Profile)");
        string? trace = null;
        try
        {
            try { trace = _session.EndProfiling(); }
            catch (OnnxRuntimeException e) { throw OrtRuntime.Translate(e, Label); }
            OrtProfileTrace.AddTo(_profile, trace, skipRuns);
        }
        finally
        {
            // Wherever ORT put it, the trace is ours to remove.
            if (trace is not null && File.Exists(trace)) File.Delete(trace);
            DeleteTrace(_traceDir);
            _traceDir = null;
        }
    }

    private static void DeleteTrace(DirectoryInfo? dir)
    {
        try { dir?.Delete(recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private static OrtValueInfo Describe(string name, NodeMetadata m)
    {
        var kind = (OrtValueKind)(int)m.OnnxValueType;
        if (kind != OrtValueKind.Tensor)
            return new OrtValueInfo(name, kind, ElementType.Undefined, Array.Empty<long>(), Array.Empty<string?>());
        var dims = m.Dimensions.Select(d => (long)d).ToArray();
        var symbols = m.SymbolicDimensions.Select(s => string.IsNullOrEmpty(s) ? null : s).ToArray();
        return new OrtValueInfo(name, kind, (ElementType)(int)m.ElementDataType, dims, symbols);
    }

    /// <summary>
    /// Runs the model. Every model input without a default must be given; <paramref name="outputNames"/>
    /// defaults to all outputs. Names, element types and fixed dims are checked first, with messages that
    /// name the tensor. Outputs are copied into managed arrays; an output in <paramref name="reuse"/> (a caller's
    /// earlier result it no longer needs) with the same type and shape is copied into again, so a loop over
    /// batches does not touch fresh memory each time.
    /// </summary>
    public Dictionary<string, TensorValue> Run(IReadOnlyDictionary<string, TensorValue> inputs, IReadOnlyList<string>? outputNames = null,
        IReadOnlyDictionary<string, TensorValue>? reuse = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckInputs(inputs);
        var outNames = outputNames ?? Outputs.Select(o => o.Name).ToList();
        foreach (var name in outNames)
            if (!Outputs.Any(o => o.Name == name))
                throw new BadInputException($"{Label}: '{name}' is not an output of the model");

        var inputNames = new string[inputs.Count];
        var inputValues = new OrtValue?[inputs.Count];
        var pins = new List<GCHandle>(inputs.Count);
        try
        {
            int k = 0;
            foreach (var (name, value) in inputs)
            {
                inputNames[k] = name;
                inputValues[k] = ToOrtValue(value, pins);
                k++;
            }
            IDisposableReadOnlyCollection<OrtValue> outputs;
            try { outputs = _session.Run(_runOptions, inputNames, inputValues!, outNames as IReadOnlyCollection<string> ?? outNames.ToList()); }
            catch (OnnxRuntimeException e) { throw OrtRuntime.Translate(e, Label); }
            using (outputs)
            {
                var result = new Dictionary<string, TensorValue>(outNames.Count, StringComparer.Ordinal);
                int i = 0;
                foreach (var value in outputs)
                {
                    string name = outNames[i++];
                    result[name] = FromOrtValue(name, value, reuse?.GetValueOrDefault(name));
                }
                return result;
            }
        }
        finally
        {
            foreach (var v in inputValues) v?.Dispose();
            foreach (var p in pins) p.Free();
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

    private static OrtValue ToOrtValue(TensorValue value, List<GCHandle> pins)
    {
        if (value.ElementType == ElementType.String)
        {
            // ORT owns string storage, so the strings are copied in.
            var strings = (string[])value.Buffer;
            var tensor = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, value.Shape);
            for (int i = 0; i < value.Length; i++) tensor.StringTensorSetElementAt((strings[i] ?? "").AsSpan(), i);
            return tensor;
        }
        var pin = GCHandle.Alloc(value.Buffer, GCHandleType.Pinned);
        pins.Add(pin);
        return OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, (Microsoft.ML.OnnxRuntime.Tensors.TensorElementType)(int)value.ElementType,
            value.Shape, pin.AddrOfPinnedObject(), value.ElementType.ByteCount(value.Length));
    }

    private TensorValue FromOrtValue(string name, OrtValue value, TensorValue? reuse)
    {
        var kind = (OrtValueKind)(int)value.OnnxType;
        if (kind != OrtValueKind.Tensor)
            throw new BadInputException($"{Label}: output '{name}' is a {kind.ToString().ToLowerInvariant()}; only tensor outputs are supported");
        var info = value.GetTensorTypeAndShape();
        var type = (ElementType)(int)info.ElementDataType;
        long[] dims = info.Shape;
        if (type == ElementType.String) return TensorValue.Wrap(ElementType.String, dims, value.GetStringTensorAsArray());
        var result = reuse is not null && reuse.ElementType == type && reuse.Shape.AsSpan().SequenceEqual(dims)
            ? reuse : TensorValue.Allocate(type, dims, $"output '{name}'");
        var target = result.AsBytes();
        if (target.Length > 0) value.GetTensorMutableRawData()[..target.Length].CopyTo(target);
        return result;
    }

    /// <summary>Releases the native session.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _session.Dispose();
        _runOptions.Dispose();
        // After the session: ORT writes a trace not yet ended when the session goes.
        DeleteTrace(_traceDir);
    }
}
