namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// The instruction set a kernel call may use. It is a value the caller passes in (a session takes it from
/// <c>SessionOptions.Isa</c> when its plan is built), never a process-wide switch, so tests can run the three
/// levels side by side in one process. A level the CPU lacks is lowered to the best one it has
/// (<see cref="KernelSupport.Limit"/>).
/// </summary>
internal enum KernelIsa
{
    /// <summary>No SIMD: the scalar micro-kernel and the scalar form of every activation.</summary>
    Scalar,
    /// <summary>256-bit AVX2 with FMA: the 6x16 GEMM micro-kernel.</summary>
    Avx2,
    /// <summary>512-bit AVX-512F: the 6x32 GEMM micro-kernel and 16-lane activations.</summary>
    Avx512,
}
