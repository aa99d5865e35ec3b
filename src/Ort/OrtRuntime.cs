using Microsoft.ML.OnnxRuntime;
using OnnxNorm.Ir;

namespace OnnxNorm.Ort;

/// <summary>
/// The process-wide ONNX Runtime environment, created once on first use: the library override applied first,
/// logging at FATAL only (ORT's own log lines would break the one-line error contract on stderr; errors reach us
/// as exceptions anyway) and telemetry off. A library that cannot be loaded is a one-line error, not a crash.
/// </summary>
internal static class OrtRuntime
{
    private static readonly Lazy<OrtEnv> Shared = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    public static OrtEnv Environment => Shared.Value;

    public static string Version => Environment.GetVersionString();

    private static OrtEnv Create()
    {
        OrtLibraryResolver.Install();
        try
        {
            var options = new EnvironmentCreationOptions { logId = "onnxnorm", logLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL };
            var env = OrtEnv.CreateInstanceWithOptions(ref options);
            env.DisableTelemetryEvents();
            return env;
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            var root = e is TypeInitializationException { InnerException: { } inner } ? inner : e;
            // The loader's own message lists every path it tried; where to look is what helps.
            string why = root is DllNotFoundException ? $"not found beside {AppContext.BaseDirectory} or on the library path" : root.Message;
            throw new BadInputException($"ONNX Runtime's native library (libonnxruntime.so) could not be loaded: {why}; " +
                $"reinstall OnnxNorm, or set {OrtLibraryResolver.EnvironmentVariable} to the file");
        }
    }

    /// <summary>ORT's exception as ours: one line, ORT's message, prefixed with the model's label.</summary>
    public static OrtException Translate(OnnxRuntimeException e, string label)
    {
        // The managed package formats its messages as "[ErrorCode:Name] text" and keeps the code internal.
        string message = e.Message;
        var code = OrtErrorCode.Fail;
        const string prefix = "[ErrorCode:";
        int end = message.IndexOf("] ", StringComparison.Ordinal);
        if (message.StartsWith(prefix, StringComparison.Ordinal) && end > prefix.Length)
        {
            if (Enum.TryParse<OrtErrorCode>(message.AsSpan(prefix.Length, end - prefix.Length), out var parsed)) code = parsed;
            message = message[(end + 2)..];
        }
        message = message.ReplaceLineEndings(" ").Trim();
        return new OrtException(code, $"{label}: ONNX Runtime: {message}");
    }
}
