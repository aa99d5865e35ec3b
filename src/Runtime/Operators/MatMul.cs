using System.Numerics;
using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Runtime.Operators;

/// <summary>
/// MatMul with numpy semantics: 1-D operands are promoted and the added dim removed, batch dims broadcast.
/// float32 goes through <see cref="Gemm"/>.Sgemm per batch; double and integers use a plain loop; float16 in float32.
/// </summary>
internal sealed class MatMul : IOperator, IHoldsConstantInputs
{
    /// <summary>Where the plan puts the bias of an Add it fused into a float32 MatMul (<see cref="MatMulEpilogueFusion"/>).</summary>
    public const int BiasInput = 2;

    private readonly TensorValue? _bias;
    private readonly Activation _activation;
    // A constant float32 matrix B (a Linear layer's weights), packed once for the GEMM and held instead of the
    // plain copy, which the plan then does not feed: packing it on every run was a tenth of ConvNeXt-T's time.
    private readonly PackedMatrixB? _packedB;

    private MatMul(TensorValue? bias, Activation activation, PackedMatrixB? packedB)
    {
        _bias = bias;
        _activation = activation;
        _packedB = packedB;
    }

    public static OperatorFactory Factory => ComputeInFloat.Wrap(n =>
    {
        n.OnlyAttributes();
        return new MatMul(n.HasInput(BiasInput) ? n.Constant(BiasInput) : null, n.FusedActivation, PackConstantB(n));
    }, includeDouble: false);

    /// <summary>
    /// B packed once when it is a constant 2-D float32 matrix, else null. An initializer only this node reads is
    /// packed over its own buffer (see <see cref="PackedMatrixB.InPlace"/>): the plan keeps no other reader of it.
    /// </summary>
    private static PackedMatrixB? PackConstantB(NodeInfo n)
    {
        if (n.Constant(1) is not { ElementType: ElementType.Float, Rank: 2 } b || b.Shape[0] == 0 || b.Shape[1] == 0
            || b.Shape[0] * b.Shape[1] > Array.MaxLength / 2)
            return null;
        int k = (int)b.Shape[0], cols = (int)b.Shape[1];
        // A subgraph reading it by name would not be among its uses: only graphs without subgraphs qualify.
        bool onlyReader = !n.ConstantOverrides.ContainsKey(1) && n.Node.Input(1) is { Producer: null, IsGraphOutput: false, Uses.Count: 1 } v
            && !v.Owner.Nodes.Any(x => x.Subgraphs.Count > 0) && b.Buffer is float[] { Length: var length } && length == b.Length;
        return onlyReader ? PackedMatrixB.InPlace((float[])b.Buffer, k, cols) : PackedMatrixB.Copy(b.AsSpan<float>(), k, cols);
    }

    public bool Holds(int input) => _packedB is not null && input == 1;

    public void Run(OpContext ctx)
    {
        string desc = ctx.Node.Describe();
        var a = ctx.Required(0);
        // A held B is float32 and 2-D (the plan does not feed it).
        var b = _packedB is null ? ctx.Required(1) : null;
        var bType = b?.ElementType ?? ElementType.Float;
        var bShape = b?.Shape ?? [_packedB!.K, _packedB.N];
        if (a.ElementType != bType) throw new BadInputException($"{desc}: A is {a.ElementType.Name()} but B is {bType.Name()}");
        if (a.Rank == 0 || bShape.Length == 0) throw new BadInputException($"{desc}: MatMul inputs must have rank ≥ 1");
        var sa = a.Rank == 1 ? new[] { 1, a.Shape[0] } : a.Shape;
        var sb = bShape.Length == 1 ? new[] { bShape[0], 1 } : bShape;
        long m = sa[^2], k = sa[^1], k2 = sb[^2], nn = sb[^1];
        if (k != k2) throw new BadInputException($"{desc}: inner dims differ: A {Shapes.Format(a.Shape)}, B {Shapes.Format(bShape)}");
        var batchA = sa[..^2];
        var batchB = sb[..^2];
        var batch = Shapes.Broadcast(ctx, batchA, batchB);
        var outShape = new List<long>(batch);
        if (a.Rank != 1) outShape.Add(m);
        if (bShape.Length != 1) outShape.Add(nn);
        var y = ctx.Output(0, a.ElementType, outShape.ToArray());
        int batches = (int)Shapes.Size(batch);
        var offA = new long[batches];
        var offB = new long[batches];
        if (batches > 0)
            Broadcasting.ForEach(batch, new[] { batchA, batchB }, (i, off) => { offA[i] = off[0] * m * k; offB[i] = off[1] * k * nn; });
        int mi = (int)m, ni = (int)nn, ki = (int)k;
        switch (a.Buffer)
        {
            case float[] fa:
            {
                var fy = (float[])y.Buffer;
                // A fused bias Add and GELU: the bias is added in the GEMM's store, GELU per finished block.
                var bias = _bias is null ? default : _bias.AsSpan<float>();
                if (!bias.IsEmpty && bias.Length != ni) throw new BadInputException($"{desc}: the fused bias holds {bias.Length} values, B has {ni} columns");
                if (_packedB is not null)
                {
                    // One 2-D B for every batch, whose rows of A are contiguous: one product with batches·M rows.
                    Gemm.Sgemm(batches * mi, fa, ki, _packedB, fy, ni, bias, _activation, ctx.Kernels);
                    break;
                }
                var fb = (float[])b!.Buffer;
                if (batches > 1 && batchB.Length == 0 && a.Rank > 2)
                {
                    // B is one matrix for every batch (a Linear layer on [N, H, W, C]): the batch rows of A are
                    // contiguous, so this is one product with batches·M rows, B packed once instead of per batch.
                    Gemm.Sgemm(false, false, batches * mi, ni, ki, 1f, fa, ki, fb, ni, 0f, fy, ni, default, bias, _activation, ctx.Kernels);
                    break;
                }
                for (int i = 0; i < batches; i++)
                    Gemm.Sgemm(false, false, mi, ni, ki, 1f, fa.AsSpan((int)offA[i]), ki, fb.AsSpan((int)offB[i]), ni, 0f,
                        fy.AsSpan(i * mi * ni, mi * ni), ni, default, bias, _activation, ctx.Kernels);
                break;
            }
            case double[] x: Naive(x, (double[])b!.Buffer, (double[])y.Buffer, offA, offB, mi, ni, ki); break;
            case long[] x: Naive(x, (long[])b!.Buffer, (long[])y.Buffer, offA, offB, mi, ni, ki); break;
            case int[] x: Naive(x, (int[])b!.Buffer, (int[])y.Buffer, offA, offB, mi, ni, ki); break;
            case uint[] x: Naive(x, (uint[])b!.Buffer, (uint[])y.Buffer, offA, offB, mi, ni, ki); break;
            case ulong[] x: Naive(x, (ulong[])b!.Buffer, (ulong[])y.Buffer, offA, offB, mi, ni, ki); break;
            default: throw new BadInputException($"{desc}: MatMul does not support {a.ElementType.Name()}");
        }
    }

    private static void Naive<T>(T[] a, T[] b, T[] y, long[] offA, long[] offB, int m, int n, int k) where T : INumber<T>
    {
        for (int bt = 0; bt < offA.Length; bt++)
        {
            long oa = offA[bt], ob = offB[bt], oy = (long)bt * m * n;
            for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                T acc = T.Zero;
                for (int p = 0; p < k; p++) acc = unchecked(acc + a[oa + i * k + p] * b[ob + p * n + j]);
                y[oy + i * n + j] = acc;
            }
        }
    }
}
