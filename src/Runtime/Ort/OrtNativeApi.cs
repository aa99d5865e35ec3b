using System.Runtime.InteropServices;

namespace OnnxNorm.Runtime.Ort;

/// <summary>
/// ORT's C API function table (OrtGetApiBase()->GetApi(version)). The table is a struct of function
/// pointers in a fixed order that ORT only ever appends to, so each entry is read by its index in
/// onnxruntime_c_api.h. Only the entries we call are wrapped; each wrapper returns the raw OrtStatus*
/// (zero = success) for <see cref="Check"/>.
/// </summary>
internal sealed unsafe class OrtNativeApi
{
    /// <summary>
    /// The API version we ask for. Every entry used here exists since version 1; asking for an old
    /// version keeps older libraries (a user's NuGet cache) usable, and ORT serves old versions forever.
    /// </summary>
    public const uint RequestedApiVersion = 11;

    // Indices into struct OrtApi (onnxruntime_c_api.h), in declaration order.
    private const int CreateStatusIndex = 0;
    private const int GetErrorCodeIndex = 1;
    private const int GetErrorMessageIndex = 2;
    private const int CreateEnvIndex = 3;
    private const int DisableTelemetryEventsIndex = 6;
    private const int CreateSessionIndex = 7;
    private const int CreateSessionFromArrayIndex = 8;
    private const int RunIndex = 9;
    private const int CreateSessionOptionsIndex = 10;
    private const int SetOptimizedModelFilePathIndex = 11;
    private const int SetSessionGraphOptimizationLevelIndex = 23;
    private const int SetIntraOpNumThreadsIndex = 24;
    private const int SetInterOpNumThreadsIndex = 25;
    private const int SessionGetInputCountIndex = 30;
    private const int SessionGetOutputCountIndex = 31;
    private const int SessionGetInputTypeInfoIndex = 33;
    private const int SessionGetOutputTypeInfoIndex = 34;
    private const int SessionGetInputNameIndex = 36;
    private const int SessionGetOutputNameIndex = 37;
    private const int CreateTensorAsOrtValueIndex = 48;
    private const int CreateTensorWithDataAsOrtValueIndex = 49;
    private const int GetTensorMutableDataIndex = 51;
    private const int FillStringTensorIndex = 52;
    private const int GetStringTensorDataLengthIndex = 53;
    private const int GetStringTensorContentIndex = 54;
    private const int CastTypeInfoToTensorInfoIndex = 55;
    private const int GetOnnxTypeFromTypeInfoIndex = 56;
    private const int GetTensorElementTypeIndex = 60;
    private const int GetDimensionsCountIndex = 61;
    private const int GetDimensionsIndex = 62;
    private const int GetSymbolicDimensionsIndex = 63;
    private const int GetTensorTypeAndShapeIndex = 65;
    private const int GetValueTypeIndex = 67;
    private const int CreateCpuMemoryInfoIndex = 69;
    private const int AllocatorFreeIndex = 76;
    private const int GetAllocatorWithDefaultOptionsIndex = 78;
    internal const int ReleaseEnvIndex = 92;
    internal const int ReleaseStatusIndex = 93;
    internal const int ReleaseMemoryInfoIndex = 94;
    internal const int ReleaseSessionIndex = 95;
    internal const int ReleaseValueIndex = 96;
    internal const int ReleaseTypeInfoIndex = 98;
    internal const int ReleaseTensorTypeAndShapeInfoIndex = 99;
    internal const int ReleaseSessionOptionsIndex = 100;

    private static readonly Lazy<OrtNativeApi> Shared = new(() => new OrtNativeApi(), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly void** _table;

    private OrtNativeApi()
    {
        var lib = OrtLibraryResolver.Load();
        LibraryPath = lib.Path;
        if (!NativeLibrary.TryGetExport(lib.Handle, "OrtGetApiBase", out var getApiBase))
            throw new Graph.BadInputException($"{lib.Path}: not ONNX Runtime (it has no OrtGetApiBase)");
        // struct OrtApiBase { const OrtApi* (*GetApi)(uint32_t); const char* (*GetVersionString)(void); }
        void** apiBase = ((delegate* unmanaged<void**>)getApiBase)();
        Version = Marshal.PtrToStringUTF8((IntPtr)((delegate* unmanaged<byte*>)apiBase[1])()) ?? "?";
        _table = ((delegate* unmanaged<uint, void**>)apiBase[0])(RequestedApiVersion);
        if (_table == null)
            throw new Graph.BadInputException($"{lib.Path}: ONNX Runtime {Version} does not offer C API version {RequestedApiVersion}");
        CpuMemoryInfo = CreateCpuMemoryInfo();
        Environment = CreateEnvironment();
    }

    public static OrtNativeApi Instance => Shared.Value;

    public string LibraryPath { get; }

    /// <summary>ORT's version string, e.g. "1.30.0".</summary>
    public string Version { get; }

    /// <summary>
    /// The process-wide OrtEnv. ORT keeps one per process anyway; it is never released because sessions
    /// may still be finalised during shutdown and must not outlive it.
    /// </summary>
    public IntPtr Environment { get; }

    /// <summary>Describes plain CPU memory, for tensors over our pinned managed arrays.</summary>
    public IntPtr CpuMemoryInfo { get; }

    private IntPtr CreateEnvironment()
    {
        IntPtr env;
        // FATAL only: ORT's own log lines would break the one-line error contract on stderr; errors reach
        // us through OrtStatus anyway.
        const int fatal = 4;
        fixed (byte* id = "onnxnorm\0"u8)
            Check(((delegate* unmanaged<int, byte*, IntPtr*, IntPtr>)_table[CreateEnvIndex])(fatal, id, &env));
        Check(((delegate* unmanaged<IntPtr, IntPtr>)_table[DisableTelemetryEventsIndex])(env));
        return env;
    }

    private IntPtr CreateCpuMemoryInfo()
    {
        IntPtr info;
        const int deviceAllocator = 0, memTypeDefault = 0;
        Check(((delegate* unmanaged<int, int, IntPtr*, IntPtr>)_table[CreateCpuMemoryInfoIndex])(deviceAllocator, memTypeDefault, &info));
        return info;
    }

    // ---- status ----

    /// <summary>Throws an <see cref="OrtException"/> with ORT's message if <paramref name="status"/> is an error; releases it.</summary>
    public void Check(IntPtr status)
    {
        if (status == IntPtr.Zero) return;
        var code = (OrtErrorCode)((delegate* unmanaged<IntPtr, int>)_table[GetErrorCodeIndex])(status);
        string message = Marshal.PtrToStringUTF8(((delegate* unmanaged<IntPtr, IntPtr>)_table[GetErrorMessageIndex])(status)) ?? "(no message)";
        Release(ReleaseStatusIndex, status);
        throw new OrtException(code, $"ONNX Runtime: {message}");
    }

    /// <summary>Creates an OrtStatus (used by tests to check the table layout end to end).</summary>
    public IntPtr CreateStatus(OrtErrorCode code, string message)
    {
        var bytes = Utf8Z(message);
        fixed (byte* m = bytes) return ((delegate* unmanaged<int, byte*, IntPtr>)_table[CreateStatusIndex])((int)code, m);
    }

    public void Release(int releaseIndex, IntPtr handle)
    {
        if (handle != IntPtr.Zero) ((delegate* unmanaged<IntPtr, void>)_table[releaseIndex])(handle);
    }

    // ---- session options ----

    public IntPtr CreateSessionOptions()
    {
        IntPtr o;
        Check(((delegate* unmanaged<IntPtr*, IntPtr>)_table[CreateSessionOptionsIndex])(&o));
        return o;
    }

    public void SetGraphOptimizationLevel(IntPtr options, GraphOptimizationLevel level) =>
        Check(((delegate* unmanaged<IntPtr, int, IntPtr>)_table[SetSessionGraphOptimizationLevelIndex])(options, (int)level));

    public void SetIntraOpNumThreads(IntPtr options, int n) =>
        Check(((delegate* unmanaged<IntPtr, int, IntPtr>)_table[SetIntraOpNumThreadsIndex])(options, n));

    public void SetInterOpNumThreads(IntPtr options, int n) =>
        Check(((delegate* unmanaged<IntPtr, int, IntPtr>)_table[SetInterOpNumThreadsIndex])(options, n));

    public void SetOptimizedModelFilePath(IntPtr options, string path)
    {
        fixed (byte* p = Utf8Z(path)) Check(((delegate* unmanaged<IntPtr, byte*, IntPtr>)_table[SetOptimizedModelFilePathIndex])(options, p));
    }

    // ---- session ----

    public IntPtr CreateSession(string path, IntPtr options)
    {
        IntPtr s;
        fixed (byte* p = Utf8Z(path))
            Check(((delegate* unmanaged<IntPtr, byte*, IntPtr, IntPtr*, IntPtr>)_table[CreateSessionIndex])(Environment, p, options, &s));
        return s;
    }

    public IntPtr CreateSessionFromArray(ReadOnlySpan<byte> model, IntPtr options)
    {
        IntPtr s;
        fixed (byte* p = model)
            Check(((delegate* unmanaged<IntPtr, byte*, nuint, IntPtr, IntPtr*, IntPtr>)_table[CreateSessionFromArrayIndex])(Environment, p, (nuint)model.Length, options, &s));
        return s;
    }

    public int InputCount(IntPtr session)
    {
        nuint n;
        Check(((delegate* unmanaged<IntPtr, nuint*, IntPtr>)_table[SessionGetInputCountIndex])(session, &n));
        return checked((int)n);
    }

    public int OutputCount(IntPtr session)
    {
        nuint n;
        Check(((delegate* unmanaged<IntPtr, nuint*, IntPtr>)_table[SessionGetOutputCountIndex])(session, &n));
        return checked((int)n);
    }

    public string InputName(IntPtr session, int index) => SessionName(SessionGetInputNameIndex, session, index);
    public string OutputName(IntPtr session, int index) => SessionName(SessionGetOutputNameIndex, session, index);

    private string SessionName(int fn, IntPtr session, int index)
    {
        IntPtr allocator;
        Check(((delegate* unmanaged<IntPtr*, IntPtr>)_table[GetAllocatorWithDefaultOptionsIndex])(&allocator));
        IntPtr name;
        Check(((delegate* unmanaged<IntPtr, nuint, IntPtr, IntPtr*, IntPtr>)_table[fn])(session, (nuint)index, allocator, &name));
        try { return Marshal.PtrToStringUTF8(name) ?? ""; }
        finally { Check(((delegate* unmanaged<IntPtr, IntPtr, IntPtr>)_table[AllocatorFreeIndex])(allocator, name)); }
    }

    /// <summary>The type of a session input or output. The OrtTypeInfo is released here.</summary>
    public OrtValueInfo InputInfo(IntPtr session, string name, int index) => ValueInfo(SessionGetInputTypeInfoIndex, session, name, index);
    public OrtValueInfo OutputInfo(IntPtr session, string name, int index) => ValueInfo(SessionGetOutputTypeInfoIndex, session, name, index);

    private OrtValueInfo ValueInfo(int fn, IntPtr session, string name, int index)
    {
        IntPtr typeInfo;
        Check(((delegate* unmanaged<IntPtr, nuint, IntPtr*, IntPtr>)_table[fn])(session, (nuint)index, &typeInfo));
        try
        {
            int onnxType;
            Check(((delegate* unmanaged<IntPtr, int*, IntPtr>)_table[GetOnnxTypeFromTypeInfoIndex])(typeInfo, &onnxType));
            IntPtr tensorInfo;
            Check(((delegate* unmanaged<IntPtr, IntPtr*, IntPtr>)_table[CastTypeInfoToTensorInfoIndex])(typeInfo, &tensorInfo));
            if ((OrtValueKind)onnxType != OrtValueKind.Tensor || tensorInfo == IntPtr.Zero)
                return new OrtValueInfo(name, (OrtValueKind)onnxType, Graph.ElementType.Undefined, Array.Empty<long>(), Array.Empty<string?>());
            var (type, dims, symbols) = ReadTypeAndShape(tensorInfo, withSymbols: true);
            return new OrtValueInfo(name, OrtValueKind.Tensor, type, dims, symbols);
        }
        finally { Release(ReleaseTypeInfoIndex, typeInfo); }
    }

    private (Graph.ElementType Type, long[] Dims, string?[] Symbols) ReadTypeAndShape(IntPtr tensorInfo, bool withSymbols)
    {
        int elem;
        Check(((delegate* unmanaged<IntPtr, int*, IntPtr>)_table[GetTensorElementTypeIndex])(tensorInfo, &elem));
        nuint rank;
        Check(((delegate* unmanaged<IntPtr, nuint*, IntPtr>)_table[GetDimensionsCountIndex])(tensorInfo, &rank));
        var dims = new long[(int)rank];
        fixed (long* d = dims) Check(((delegate* unmanaged<IntPtr, long*, nuint, IntPtr>)_table[GetDimensionsIndex])(tensorInfo, d, rank));
        var symbols = new string?[(int)rank];
        if (withSymbols && rank > 0)
        {
            var ptrs = new IntPtr[(int)rank];
            fixed (IntPtr* p = ptrs) Check(((delegate* unmanaged<IntPtr, IntPtr*, nuint, IntPtr>)_table[GetSymbolicDimensionsIndex])(tensorInfo, p, rank));
            for (int i = 0; i < symbols.Length; i++)
            {
                string? s = ptrs[i] == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(ptrs[i]);
                symbols[i] = string.IsNullOrEmpty(s) ? null : s;
            }
        }
        return ((Graph.ElementType)elem, dims, symbols);
    }

    public void Run(IntPtr session, IntPtr* inputNames, IntPtr* inputs, int inputCount, IntPtr* outputNames, int outputCount, IntPtr* outputs) =>
        Check(((delegate* unmanaged<IntPtr, IntPtr, IntPtr*, IntPtr*, nuint, IntPtr*, nuint, IntPtr*, IntPtr>)_table[RunIndex])(
            session, IntPtr.Zero, inputNames, inputs, (nuint)inputCount, outputNames, (nuint)outputCount, outputs));

    // ---- values ----

    /// <summary>A tensor over memory we own (pinned by the caller for the value's whole life).</summary>
    public IntPtr CreateTensorWithData(void* data, long byteLength, long[] shape, Graph.ElementType type)
    {
        IntPtr value;
        fixed (long* s = shape)
            Check(((delegate* unmanaged<IntPtr, void*, nuint, long*, nuint, int, IntPtr*, IntPtr>)_table[CreateTensorWithDataAsOrtValueIndex])(
                CpuMemoryInfo, data, (nuint)byteLength, s, (nuint)shape.Length, (int)type, &value));
        return value;
    }

    /// <summary>A string tensor: ORT owns the storage, so the strings are copied in.</summary>
    public IntPtr CreateStringTensor(long[] shape, string[] strings, int count)
    {
        IntPtr allocator;
        Check(((delegate* unmanaged<IntPtr*, IntPtr>)_table[GetAllocatorWithDefaultOptionsIndex])(&allocator));
        IntPtr value;
        fixed (long* s = shape)
            Check(((delegate* unmanaged<IntPtr, long*, nuint, int, IntPtr*, IntPtr>)_table[CreateTensorAsOrtValueIndex])(
                allocator, s, (nuint)shape.Length, (int)Graph.ElementType.String, &value));
        var ptrs = new IntPtr[count];
        try
        {
            for (int i = 0; i < count; i++) ptrs[i] = Marshal.StringToCoTaskMemUTF8(strings[i] ?? "");
            fixed (IntPtr* p = ptrs) Check(((delegate* unmanaged<IntPtr, IntPtr*, nuint, IntPtr>)_table[FillStringTensorIndex])(value, p, (nuint)count));
        }
        catch
        {
            Release(ReleaseValueIndex, value);
            throw;
        }
        finally
        {
            foreach (var p in ptrs) if (p != IntPtr.Zero) Marshal.FreeCoTaskMem(p);
        }
        return value;
    }

    public OrtValueKind ValueKind(IntPtr value)
    {
        int t;
        Check(((delegate* unmanaged<IntPtr, int*, IntPtr>)_table[GetValueTypeIndex])(value, &t));
        return (OrtValueKind)t;
    }

    public (Graph.ElementType Type, long[] Dims) TensorTypeAndShape(IntPtr value)
    {
        IntPtr info;
        Check(((delegate* unmanaged<IntPtr, IntPtr*, IntPtr>)_table[GetTensorTypeAndShapeIndex])(value, &info));
        try
        {
            var (type, dims, _) = ReadTypeAndShape(info, withSymbols: false);
            return (type, dims);
        }
        finally { Release(ReleaseTensorTypeAndShapeInfoIndex, info); }
    }

    public void* TensorData(IntPtr value)
    {
        void* data;
        Check(((delegate* unmanaged<IntPtr, void**, IntPtr>)_table[GetTensorMutableDataIndex])(value, &data));
        return data;
    }

    public string[] StringTensorContent(IntPtr value, int count)
    {
        nuint length;
        Check(((delegate* unmanaged<IntPtr, nuint*, IntPtr>)_table[GetStringTensorDataLengthIndex])(value, &length));
        var bytes = new byte[(int)length];
        var offsets = new nuint[count];
        fixed (byte* b = bytes)
        fixed (nuint* o = offsets)
            Check(((delegate* unmanaged<IntPtr, byte*, nuint, nuint*, nuint, IntPtr>)_table[GetStringTensorContentIndex])(value, b, length, o, (nuint)count));
        var result = new string[count];
        for (int i = 0; i < count; i++)
        {
            int start = (int)offsets[i];
            int end = i + 1 < count ? (int)offsets[i + 1] : bytes.Length;
            result[i] = System.Text.Encoding.UTF8.GetString(bytes, start, end - start);
        }
        return result;
    }

    internal static byte[] Utf8Z(string s)
    {
        var bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(s) + 1];
        System.Text.Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }
}
