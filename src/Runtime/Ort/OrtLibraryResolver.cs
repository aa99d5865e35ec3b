using System.Runtime.InteropServices;
using OnnxNorm.Graph;

namespace OnnxNorm.Runtime.Ort;

/// <summary>
/// Finds and loads ONNX Runtime's native library. Order: the ONNXNORM_ORT_LIBRARY variable (a file; if set
/// it must work, no silent fallback), the folder of our own assembly (the build copies libonnxruntime.so.1
/// there), a Microsoft.ML.OnnxRuntime package in the local NuGet cache, then the system library path.
/// </summary>
public static class OrtLibraryResolver
{
    public const string EnvironmentVariable = "ONNXNORM_ORT_LIBRARY";

    private static readonly string[] FileNames = { "libonnxruntime.so.1", "libonnxruntime.so" };

    /// <summary>A loaded library: its OS handle and where it came from (for diagnostics).</summary>
    public readonly record struct LoadedLibrary(IntPtr Handle, string Path, string Source);

    public static LoadedLibrary Load()
    {
        var tried = new List<string>();
        string? fromEnv = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnv))
        {
            if (!File.Exists(fromEnv))
                throw new BadInputException($"{EnvironmentVariable}={fromEnv}: no such file (point it at libonnxruntime.so)");
            if (!NativeLibrary.TryLoad(fromEnv, out var h))
                throw new BadInputException($"{EnvironmentVariable}={fromEnv}: cannot be loaded as a shared library (wrong architecture or missing dependencies?)");
            return new LoadedLibrary(h, fromEnv, EnvironmentVariable);
        }

        foreach (string dir in AssemblyFolders())
        {
            foreach (string name in FileNames)
            {
                string candidate = System.IO.Path.Combine(dir, name);
                tried.Add(candidate);
                if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out var h))
                    return new LoadedLibrary(h, candidate, "next to the assembly");
            }
        }

        foreach (string candidate in NuGetCacheCandidates())
        {
            tried.Add(candidate);
            if (NativeLibrary.TryLoad(candidate, out var h))
                return new LoadedLibrary(h, candidate, "NuGet cache");
        }

        foreach (string name in FileNames)
        {
            tried.Add($"{name} (system library path)");
            if (NativeLibrary.TryLoad(name, out var h)) return new LoadedLibrary(h, name, "system library path");
        }

        throw new BadInputException(
            "ONNX Runtime's native library (libonnxruntime.so) was not found. Build OnnxNorm (the build fetches it " +
            $"with npm), or set {EnvironmentVariable} to the file, or add the Microsoft.ML.OnnxRuntime NuGet package; " +
            $"looked in: {string.Join(", ", tried)}");
    }

    private static IEnumerable<string> AssemblyFolders()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? own = OwnFolder();
        foreach (string? dir in new[] { own, AppContext.BaseDirectory })
            if (!string.IsNullOrEmpty(dir) && seen.Add(System.IO.Path.GetFullPath(dir))) yield return dir;
    }

    // Empty in a native (AOT) build, where AppContext.BaseDirectory is the executable's folder.
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "an empty location falls back to AppContext.BaseDirectory")]
    private static string? OwnFolder() => System.IO.Path.GetDirectoryName(typeof(OrtLibraryResolver).Assembly.Location);

    /// <summary>Every cached Microsoft.ML.OnnxRuntime version, newest first.</summary>
    private static IEnumerable<string> NuGetCacheCandidates()
    {
        string? root = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (string.IsNullOrEmpty(root))
        {
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            if (string.IsNullOrEmpty(home)) yield break;
            root = System.IO.Path.Combine(home, ".nuget", "packages");
        }
        foreach (string candidate in NuGetCacheCandidates(root)) yield return candidate;
    }

    /// <summary>Every Microsoft.ML.OnnxRuntime version under a NuGet package folder, newest first.</summary>
    internal static IEnumerable<string> NuGetCacheCandidates(string root)
    {
        string package = System.IO.Path.Combine(root, "microsoft.ml.onnxruntime");
        if (!Directory.Exists(package)) yield break;
        string rid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        var versions = Directory.GetDirectories(package)
            .Select(d => (Dir: d, Version: Version.TryParse(System.IO.Path.GetFileName(d).Split('-')[0], out var v) ? v : new Version(0, 0)))
            .OrderByDescending(x => x.Version);
        foreach (var (dir, _) in versions)
        {
            string candidate = System.IO.Path.Combine(dir, "runtimes", rid, "native", "libonnxruntime.so");
            if (File.Exists(candidate)) yield return candidate;
        }
    }
}
