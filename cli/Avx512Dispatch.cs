using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace OnnxNorm.Cli;

/// <summary>
/// The native (AOT) compiler fixes instruction sets at compile time: unlike the JIT, it never turns
/// <c>Avx512F.IsSupported</c> into a run-time check. So an x86-64 native publish makes two executables:
/// <c>onnxnorm</c> for the portable x86-64-v3 baseline and <c>onnxnorm-avx512</c> for x86-64-v4
/// (build/NativeAvx512Variant.targets), and the first re-executes itself as the second when the CPU has AVX-512.
/// </summary>
internal static class Avx512Dispatch
{
    public const string SiblingName = "onnxnorm-avx512";

    /// <summary>Set to 1 to stay on the baseline executable (to compare the two, or to rule the variant out).</summary>
    public const string DisableVariable = "ONNXNORM_NO_AVX512_BINARY";

    /// <summary>
    /// The verbs whose time goes into OnnxNorm's own kernels (and --version, which reports the kernel). The others
    /// (inspect, convert, optimize, freeze-bn) would only pay for a second process start (about 10-20 ms).
    /// </summary>
    private static readonly HashSet<string> KernelVerbs = new(StringComparer.Ordinal)
    {
        "run", "bench", "compare", "check-stats", "recalibrate", "--version",
    };

    public static void ExecSiblingIfTheCpuHasAvx512(string[] args)
    {
        // The JIT already picks AVX-512 at run time; the AVX-512 build has nothing better to go to.
        if (RuntimeFeature.IsDynamicCodeSupported || Avx512F.IsSupported) return;
        if (args.Length == 0 || !KernelVerbs.Contains(args[0])) return;
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return;
        if (Environment.GetEnvironmentVariable(DisableVariable) == "1") return;
        string? self = Environment.ProcessPath;
        if (self is null) return;
        string sibling = Path.Combine(Path.GetDirectoryName(self)!, SiblingName);
        if (!File.Exists(sibling) || !CpuHasX86_64V4()) return;
        Exec(sibling, args);
    }

    /// <summary>x86-64-v4's AVX-512 subsets, as the kernel reports them (it hides them when the OS does not save ZMM state).</summary>
    private static bool CpuHasX86_64V4()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                if (!line.StartsWith("flags", StringComparison.Ordinal)) continue;
                var flags = line[(line.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
                return new[] { "avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl" }.All(flags.Contains);
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return false;
    }

    [DllImport("libc", EntryPoint = "execv", SetLastError = true)]
    private static extern int ExecV(IntPtr path, IntPtr[] argv);

    /// <summary>execv: only returns if the exec failed, and then this process simply carries on.</summary>
    private static void Exec(string program, string[] args)
    {
        var owned = new List<IntPtr>();
        try
        {
            IntPtr Utf8(string s) { var p = Marshal.StringToCoTaskMemUTF8(s); owned.Add(p); return p; }
            var argv = new IntPtr[args.Length + 2];
            argv[0] = Utf8(program);
            for (int i = 0; i < args.Length; i++) argv[i + 1] = Utf8(args[i]);
            Console.Out.Flush();
            ExecV(Utf8(program), argv);
        }
        finally
        {
            foreach (var p in owned) Marshal.FreeCoTaskMem(p);
        }
    }
}
