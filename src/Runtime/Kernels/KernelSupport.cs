using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// What this CPU can run, detected once at start-up (the native build is compiled for a portable baseline, so the
/// same binary picks AVX-512 where the CPU has it). Kernels never read this themselves: callers pass a
/// <see cref="KernelIsa"/> in, usually <see cref="Best"/>.
/// </summary>
internal static class KernelSupport
{
    /// <summary>The widest level this CPU runs.</summary>
    public static KernelIsa Best { get; } =
        Fma.IsSupported && Avx.IsSupported
            ? Avx512F.IsSupported && Vector512.IsHardwareAccelerated ? KernelIsa.Avx512 : KernelIsa.Avx2
            : KernelIsa.Scalar;

    /// <summary>The requested level, lowered to what this CPU runs.</summary>
    public static KernelIsa Limit(KernelIsa requested) => requested > Best ? Best : requested;

    /// <summary>The GEMM micro-kernel a level runs, as <c>onnxnorm --version</c> prints it.</summary>
    public static string GemmKernelName(KernelIsa isa) => Limit(isa) switch
    {
        KernelIsa.Avx512 => "avx512f",
        KernelIsa.Avx2 => "avx2+fma",
        _ => "scalar",
    };

    /// <summary>The GEMM micro-kernel this process runs by default.</summary>
    public static string GemmKernel => GemmKernelName(Best);
}
