namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// Which GEMM micro-kernel this process runs, as chosen at run time from the CPU's instruction sets (the native
/// build is compiled for a portable baseline, so the same binary picks AVX-512 where the CPU has it).
/// </summary>
internal static class KernelSupport
{
    public static string GemmKernel =>
        WideGemmMicroKernel.IsAccelerated ? "avx512f" : GemmMicroKernel.IsAccelerated ? "avx2+fma" : "scalar";
}
