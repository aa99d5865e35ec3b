namespace OnnxNorm.Runtime.Execution;

/// <summary>Settings of a <see cref="NativeSession"/>, fixed when it is created.</summary>
public sealed record SessionOptions
{
    /// <summary>Upper bound on the threads one node may use (Conv/GEMM kernels).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>
    /// The instruction set the kernels use (null: the CPU's best), lowered to what the CPU has. Results are the same at
    /// every level for the activations; the GEMM's sums may round differently between levels (FMA or not).
    /// </summary>
    internal OnnxNorm.Runtime.Kernels.KernelIsa? Isa { get; init; }

    /// <summary>
    /// Split even kernels too small to be worth a hand-off across <see cref="Threads"/>: for tests that compare every
    /// multi-threaded tiling on small models (results never depend on it).
    /// </summary>
    internal bool SplitAllWork { get; init; }

    /// <summary>The largest single tensor a node may produce (default 2 GiB).</summary>
    public long MaxTensorBytes { get; init; } = 2L << 30;

    /// <summary>The most memory all live run-time tensors (pooled buffers included) may take (default 8 GiB).</summary>
    public long MaxTotalBytes { get; init; } = 8L << 30;

    /// <summary>Receives the values it asks for right after their node runs; null for none.</summary>
    public IExecutionObserver? Observer { get; init; }

    /// <summary>
    /// Run the activation a step's output feeds inside that step: Relu/Clip/LeakyRelu/Sigmoid/HardSigmoid/HardSwish,
    /// SiLU and a written-out HardSwish after a Conv, GELU after a MatMul, Relu after a standalone BatchNormalization
    /// (each with the separate ops' bits).
    /// </summary>
    public bool FuseActivations { get; init; } = true;

    /// <summary>
    /// Fold an inference-mode BatchNormalization that is a Conv's only consumer into the Conv's weights when the
    /// session is built (as ORT does), so Conv+BN(+Relu) runs as one kernel; per-channel constant Mul/Add nodes
    /// after the Conv are folded the same way. Off where an observer watches the BN's input (check-stats needs it).
    /// </summary>
    public bool FoldBatchNorm { get; init; } = true;

    /// <summary>
    /// The arithmetic floating-point ops run in: the fast kernels in each value's type (default), or one of the float64
    /// reference modes (every float computed in double; optionally rounded per node to its declared type). The
    /// reference modes never fold BN or fuse activations, so every node computes what the model says.
    /// </summary>
    public ExecutionPrecision Precision { get; init; } = ExecutionPrecision.Native;

    /// <summary>When set, each run adds the time spent per op type here (for bench --profile).</summary>
    public OperatorProfile? Profile { get; init; }

    /// <summary>One thread, native precision.</summary>
    public static SessionOptions Default { get; } = new();
}
