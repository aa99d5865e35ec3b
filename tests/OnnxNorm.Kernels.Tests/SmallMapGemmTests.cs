using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Kernels.Tests;

/// <summary>
/// The GEMM at the widths of small feature maps (7x7 = 49, 14x14 = 196 columns and the ragged widths around the 6x48,
/// 6x32 and column kernels' edges), ragged heights, one and several depth blocks.
/// </summary>
public class SmallMapGemmTests
{
    // Around every tile edge: 1..4 (column kernel), 5..16 (one panel), 17..32 (pair), 33..48 (triple), 49..52
    // (48 + columns), 53..64 (32 + pair), and the maps' own widths.
    public static readonly int[] Widths = [1, 2, 3, 4, 5, 16, 17, 20, 21, 32, 33, 47, 48, 49, 50, 52, 53, 64, 65, 97, 100, 196, 257];
    public static readonly int[] Heights = [6, 7, 13, 32, 49, 97];

    public static TheoryData<int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int>();
        int index = 0;
        foreach (int n in Widths)
            foreach (int m in Heights)
                data.Add(m, n, ++index % 3 == 0 ? 300 : index % 3 == 1 ? 7 : 160); // 300: two depth blocks
        return data;
    }

    private sealed record Problem(int M, int N, int K, float[] A, float[] B, float[] C0, float[] RowBias, float[] ColumnBias, float Beta, Activation Act);

    private static Problem Make(int m, int n, int k, int seed)
    {
        var rng = new Random(seed);
        return new Problem(m, n, k, TestTensors.Random(rng, m * k), TestTensors.Random(rng, k * n), TestTensors.Random(rng, m * n),
            TestTensors.Random(rng, m), TestTensors.Random(rng, n), seed % 2 == 0 ? 0f : 1f, TestTensors.RandomActivation(rng));
    }

    /// <summary>Columns [j0, j0 + width) of the problem's C, computed on their own (B and the column bias offset).</summary>
    private static float[] Run(Problem p, int j0, int width, KernelTarget target)
    {
        var c = new float[p.M * width];
        for (int i = 0; i < p.M; i++) Array.Copy(p.C0, i * p.N + j0, c, i * width, width);
        Gemm.Sgemm(false, false, p.M, width, p.K, 1f, p.A, p.K, p.B.AsSpan(j0), p.N, p.Beta, c, width,
            p.RowBias, p.ColumnBias.AsSpan(j0, width), p.Act, target);
        return c;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SmallMapWidthsMatchTheNaiveLoopOnEveryInstructionSet(int m, int n, int k)
    {
        var p = Make(m, n, k, m * 1000 + n);
        var expected = new float[m * n];
        var magnitude = new float[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0, size = 0;
                for (int q = 0; q < k; q++)
                {
                    double term = (double)p.A[i * k + q] * p.B[q * n + j];
                    sum += term;
                    size += Math.Abs(term);
                }
                double before = p.C0[i * n + j] * (double)p.Beta;
                sum += before + p.RowBias[i] + p.ColumnBias[j];
                size += Math.Abs(before) + Math.Abs(p.RowBias[i]) + Math.Abs(p.ColumnBias[j]);
                expected[i * n + j] = ActivationMath.Scalar((float)sum, p.Act);
                magnitude[i * n + j] = (float)size;
            }
        foreach (var isa in new[] { KernelSupport.Best, KernelIsa.Avx2, KernelIsa.Scalar })
            TestTensors.AssertClose(expected, Run(p, 0, n, new KernelTarget(isa)), magnitude, $"{m}x{n}x{k} act={p.Act.Kind} isa={isa}");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void AColumnGetsTheSameBitsWhicheverTileComputesIt(int m, int n, int k)
    {
        // Computed alone, a column range starts a new tiling (e.g. 49's last 17 columns: a masked 6x32 pair instead
        // of the 6x48 tile and the column kernel); every kernel sums an output in one chain over k, so the bits agree.
        // Except a product only 1..2 columns wide in all (GemvColumnKernel: never cut by columns, so it sums in four
        // chains for accuracy): a range that narrow is not a tile of a wider product.
        var p = Make(m, n, k, m * 7 + n);
        foreach (var isa in new[] { KernelSupport.Best, KernelIsa.Avx2 })
        {
            var whole = Run(p, 0, n, new KernelTarget(isa));
            foreach (int j0 in new[] { 1, 16, 32, 48, n - 4, n - 3 }.Where(j => j > 0 && n - j > GemvColumnKernel.MaxColumns).Distinct())
            {
                int width = n - j0;
                var part = Run(p, j0, width, new KernelTarget(isa));
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < width; j++)
                        Assert.True(BitConverter.SingleToInt32Bits(whole[i * n + j0 + j]) == BitConverter.SingleToInt32Bits(part[i * width + j]),
                            $"isa={isa}: C[{i}, {j0 + j}] is {whole[i * n + j0 + j]} in the whole product, {part[i * width + j]} from column {j0} on");
            }
        }
    }

    // The last tile of 32 output channels holds 2 rows, of 64 holds 4, and runs the 3- or 4-row form of the 6x48 kernel: its rows must
    // get the bits they get inside a full 6-row tile (here, of a product with 4 more rows of A).
    [Theory]
    [InlineData(8, 49, 160)]
    [InlineData(32, 196, 300)]
    [InlineData(33, 100, 7)]
    [InlineData(9, 48, 1152)]
    [InlineData(10, 97, 160)]
    [InlineData(64, 48, 300)]
    public void ARowGetsTheSameBitsInAPartialTileAsInAFullOne(int m, int n, int k)
    {
        var p = Make(m + 4, n, k, m * 13 + n);
        var all = Run(p, 0, n, KernelTarget.Best());
        var prefix = p with { M = m };
        var part = Run(prefix, 0, n, KernelTarget.Best());
        for (int i = 0; i < m * n; i++)
            Assert.True(BitConverter.SingleToInt32Bits(all[i]) == BitConverter.SingleToInt32Bits(part[i]),
                $"C[{i / n}, {i % n}] is {all[i]} among {m + 4} rows, {part[i]} among {m}");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SmallMapWidthsAreBitIdenticalAtOneTwoAndFourThreads(int m, int n, int k)
    {
        var p = Make(m, n, k, m + n * 31);
        var one = Run(p, 0, n, KernelTarget.Best());
        foreach (int threads in new[] { 2, 4 })
            Assert.Equal(one, Run(p, 0, n, KernelTarget.Best(threads) with { SplitAllWork = true }));
    }
}
