using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using OnnxNorm.Ir;

namespace OnnxNorm.Ort;

/// <summary>
/// Lets ONNXNORM_ORT_LIBRARY point ONNX Runtime's managed package at another native library (a custom or GPU
/// build). Unset, the package loads the libonnxruntime it ships. Set, the file must load: no silent fallback.
/// </summary>
public static class OrtLibraryResolver
{
    /// <summary>The environment variable that names the ONNX Runtime native library to load instead of the packaged one.</summary>
    public const string EnvironmentVariable = "ONNXNORM_ORT_LIBRARY";

    // The name the managed package imports its native functions under.
    private const string ImportedLibraryName = "onnxruntime";

    /// <summary>The library path the variable named, or null when the package's own library is used.</summary>
    public static string? OverridePath { get; private set; }

    /// <summary>Must run before any ORT type is touched (the package registers its own resolver then).</summary>
    internal static void Install()
    {
        string? path = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrEmpty(path)) return;
        if (!File.Exists(path))
            throw new BadInputException($"{EnvironmentVariable}={path}: no such file (point it at libonnxruntime.so)");
        if (!NativeLibrary.TryLoad(path, out var handle))
            throw new BadInputException($"{EnvironmentVariable}={path}: cannot be loaded as a shared library (wrong architecture or missing dependencies?)");
        OrtEnv.DisableDllImportResolver = true;
        NativeLibrary.SetDllImportResolver(typeof(OrtEnv).Assembly,
            (name, _, _) => name == ImportedLibraryName ? handle : IntPtr.Zero);
        OverridePath = path;
    }
}
