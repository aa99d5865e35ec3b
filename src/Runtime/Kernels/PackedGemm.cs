using System.Runtime.CompilerServices;
namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// One or more independent GEMMs of the same shape (e.g. one per batch item and group of a convolution):
/// C_p[M, N] = (accumulate ? C_p : 0) + A_p·B_p, with A_p already packed (<see cref="PackedMatrixA"/>) and B_p
/// packed block by block on demand, so a convolution never materialises its full im2col matrix.
/// </summary>
internal abstract unsafe class PackedGemmProblem
{
    protected PackedGemmProblem(int m, int n, int k, int count)
    {
        M = m;
        N = n;
        K = k;
        Count = count;
    }

    public int M { get; }
    public int N { get; }
    public int K { get; }
    /// <summary>How many independent products share this shape.</summary>
    public int Count { get; }

    /// <summary>Start of problem <paramref name="index"/>'s packed A (all K blocks).</summary>
    public abstract float* PackedA(int index);

    /// <summary>Packs B_p[pc..pc+kc, jc..jc+nc] as ceil(nc/16) zero-padded [kc][16] panels.</summary>
    public abstract void PackB(int index, int pc, int kc, int jc, int nc, float* destination);

    /// <summary>B_p already packed over the whole of K (<see cref="PackedMatrixB"/>), read in place; null to pack per block.</summary>
    public virtual float* PrepackedB(int index) => null;

    /// <summary>
    /// B_p as a plain row-major K x N matrix (rows N floats apart, e.g. a 1x1 stride-1 conv's input planes), which the
    /// 512-bit kernels may read in place for whole 48- and 32-column tiles; null when B must be packed. C must not
    /// overlap it (a Conv's output never shares its input's buffer).
    /// </summary>
    public virtual float* PlainB(int index) => null;

    /// <summary>Start of C_p (row-major with <see cref="Ldc"/>).</summary>
    public abstract float* C(int index);
    public abstract int Ldc { get; }

    /// <summary>Problem p's row bias, padded to a multiple of 6 rows; null for none.</summary>
    public virtual float* RowBias(int index) => null;

    /// <summary>Column bias (N values); null for none.</summary>
    public virtual float* ColumnBias(int index) => null;

    public Activation Activation { get; init; }

    /// <summary>
    /// Start of problem p's residual R (laid out as C; null for none): each finished block of C becomes
    /// act(C + R), C rounded to float first, as a separate Add node after the product would compute it.
    /// </summary>
    public virtual float* Residual(int index) => null;

    /// <summary>Adds to what C holds instead of overwriting it (GEMM with beta != 0).</summary>
    public bool AccumulateIntoC { get; init; }
}

/// <summary>
/// The cache-blocked loop nest around the micro-kernels (the BLIS order): N in blocks of
/// <see cref="ColumnBlock"/>, K in blocks of at most <see cref="DepthBlock"/> (one packed B block, 256 KB,
/// lives in L2), M in blocks of <see cref="RowBlock"/> (that slice of packed A stays in L2), then 48-, 32- or
/// 16-column micro-panels of B (in L1) against every 6-row micro-panel of A.
/// Parallelism splits the output into independent tiles (N ranges first, M ranges when N is too small,
/// e.g. 7x7 feature maps). Column tiles each pack their own B, so threads share nothing but read-only A; row tiles
/// share one B that the threads pack together first (<see cref="SharedPackedB"/>).
/// </summary>
/// <remarks>
/// The loop nests are marked AggressiveOptimization (as are the packers): tiered compilation would otherwise run
/// the first inferences on unoptimised tier-0 loops, 1.5x slower, and these loops gain nothing from PGO.
/// </remarks>
internal static unsafe class PackedGemm
{
    public const int DepthBlock = 256;
    public const int ColumnBlock = 256;
    public const int RowBlock = 96;

    /// <summary>
    /// The K step actually used: K split into equal blocks of at most <see cref="DepthBlock"/> (576 = 3 x 192,
    /// not 256 + 256 + 64), because a short last block costs a full pass of C loads and stores for little work.
    /// Packed A and the GEMM loop must agree on it.
    /// </summary>
    public static int DepthStep(int k) => k <= DepthBlock ? Math.Max(k, 1) : CeilDiv(k, CeilDiv(k, DepthBlock));

    private const int MinColumnsPerThread = 128;

    /// <summary>Columns a thread needs in an even column split of a small map (two 32-column kernel pairs).</summary>
    private const int MinEvenColumnsPerThread = 64;

    public static void Run(PackedGemmProblem problem, in KernelTarget target)
    {
        int m = problem.M, n = problem.N;
        if (m == 0 || n == 0) return;
        const int mr = GemmMicroKernel.Rows, nr = GemmMicroKernel.Columns;
        int threads = ParallelWork.Threads(ParallelWork.GemmCost(m, n, problem.K, problem.Count), target, long.MaxValue);
        var isa = target.RunnableIsa;

        // Choose the tiling of the output into tasks. Column ranges of at most ColumnBlock, of the width with which
        // the threads finish together (ColumnTaskWidth). When a thread's share of columns would
        // be small (7x7 and 14x14 maps) the rows are split instead: every column task streams all of A (the
        // weights, megabytes for late layers) while each row task streams only its slice and repacks the
        // small B.
        var columns = ColumnSplit.Uniform(n, Math.Min(RoundUp(n, nr), ColumnBlock));
        int rowsPerTask = PackedMatrixA.PaddedRows(m);
        if (threads > 1)
        {
            int panels = CeilDiv(n, nr);
            int columnChunks = RoundUp(CeilDiv(n, ColumnBlock), threads);
            int panelsPerChunk = CeilDiv(panels, columnChunks);
            bool fewColumns = panelsPerChunk * nr < MinColumnsPerThread && m >= threads * 4 * mr;
            if (EvenColumns(m, n, problem.Count, threads))
                columns = ColumnSplit.Even(n, threads);
            else if (fewColumns || problem.Count * CeilDiv(panels, panelsPerChunk) < threads)
            {
                columns = ColumnSplit.Uniform(n, RoundUp(n, nr));
                int rowSplits = (int)CeilDiv(threads, (long)problem.Count);
                rowsPerTask = Math.Max(mr, RoundUp(CeilDiv(m, rowSplits), mr));
            }
            else
            {
                // Task edges on multiples of 32 columns: the kernel that computes a column (32-wide pair, masked
                // 16-wide, 1..2-column; their sums run in different orders) then depends only on where the
                // column lies in the matrix, as with one thread, so results are bit-identical at any thread count.
                columns = ColumnSplit.Uniform(n, ColumnTaskWidth.Choose(n, problem.Count, threads, RoundUp(panelsPerChunk, 2) * nr));
            }
        }
        int rowTasks = CeilDiv(m, rowsPerTask);
        if (rowTasks > 1 && problem.PrepackedB(0) == null && SharedPackedB.TryRun(problem, target, threads, rowsPerTask, isa)) return;
        int perProblemTasks = columns.Tasks * rowTasks;
        int totalTasks = problem.Count * perProblemTasks;

        WorkerPool.Run(totalTasks, threads, new Tiles(problem, perProblemTasks, rowTasks, rowsPerTask, columns, isa));
    }

    /// <summary>
    /// One column task per thread, edges spread evenly (<see cref="ColumnSplit.Even"/>), on a small map (at most one
    /// column block per thread) unless the weights dwarf B. Each thread streams all of A but packs only its share of
    /// B, and needs no other thread: the row split's threads first pack one shared B together, in depth blocks that
    /// share out unevenly (3 over 2 threads for K = 672), then wait for each other. Measured at 2 threads: a
    /// 672->112 1x1 conv on a 14x14 map 0.088 -> 0.080 ms, a 256->256 3x3 one the same idle but 0.76 -> 0.66 ms
    /// when other processes load the cores (the row split's barrier waits on a descheduled thread).
    /// </summary>
    internal static bool EvenColumns(int m, int n, int count, int threads) =>
        count == 1 && threads > 1 && n <= threads * ColumnBlock && n >= threads * MinEvenColumnsPerThread && m <= 4 * n;

    // Task t is one output tile: problem t / perProblemTasks, then a column range and a row range within it.
    private readonly struct Tiles(PackedGemmProblem problem, int perProblemTasks, int rowTasks, int rowsPerTask, ColumnSplit columns, KernelIsa isa)
        : IParallelTasks
    {
        public void Run(int task)
        {
            int index = task / perProblemTasks, rest = task % perProblemTasks;
            int column = rest / rowTasks, i0 = rest % rowTasks * rowsPerTask;
            RunTile(problem, index, i0, Math.Min(problem.M, i0 + rowsPerTask), columns.Start(column), Math.Min(problem.N, columns.Start(column + 1)), isa, null);
        }
    }

    /// <summary>
    /// Rows [rowStart, rowEnd) x columns [columnStart, columnEnd) of problem <paramref name="index"/>. B is packed here
    /// block by block into this thread's scratch, or, when <paramref name="sharedB"/> is set, read from that copy of
    /// the whole packed B (<see cref="SharedPackedB"/>): the same values either way, so the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void RunTile(PackedGemmProblem problem, int index, int rowStart, int rowEnd, int columnStart, int columnEnd, KernelIsa isa, float* sharedB)
    {
        const int mr = GemmMicroKernel.Rows, nr = GemmMicroKernel.Columns;
        int k = problem.K, ldc = problem.Ldc;
        int mPadded = PackedMatrixA.PaddedRows(problem.M);
        float* packedA = problem.PackedA(index);
        float* prepackedB = problem.PrepackedB(index);
        float* c = problem.C(index);
        float* rowBias = problem.RowBias(index);
        float* columnBias = problem.ColumnBias(index);
        // Sigmoid/SiLU/HardSwish/HardSigmoid: applied to each finished block of C while it is in cache; with a
        // residual every activation is, after the residual's add.
        float* residual = problem.Residual(index);
        var late = residual == null && ActivationMath.InKernelStore(problem.Activation) ? Activation.None : problem.Activation;
        var activation = late.Kind == FusedActivation.None && residual == null ? problem.Activation : Activation.None;
        int depthStep = DepthStep(k);
        float* packedB = ThreadScratch.Get(DepthBlock * RoundUp(ColumnBlock, nr));
        // The AVX2 edge tile (6x16), the 6x48 tile's ragged sums, the column kernel's sums.
        float* edgeTile = stackalloc float[Math.Max(mr * TripleGemmMicroKernel.Columns, GemmColumnKernel.ScratchFloats)];
        float* edgeColumnBias = stackalloc float[nr];

        for (int jc = columnStart; jc < columnEnd; jc += ColumnBlock)
        {
            int nc = Math.Min(ColumnBlock, columnEnd - jc);
            if (k == 0)
            {
                // An empty sum: the result is just the epilogue applied to zero (or to C).
                ZeroDepthTile(problem, index, c, ldc, rowBias, columnBias, rowStart, rowEnd, jc, nc);
                continue;
            }
            RunBlock(problem, index, k, ldc, mPadded, packedA, c, residual, rowBias, columnBias, activation, late, depthStep, packedB, edgeTile, edgeColumnBias, isa, rowStart, rowEnd, jc, nc,
                sharedB == null ? null : sharedB + (long)k * jc, prepackedB == null ? null : prepackedB + (long)k * jc);
        }
    }

    /// <summary>
    /// The late activation on rows [rowStart, rowEnd) x columns [jc, jc + nc) of C, just computed. Elementwise, so
    /// the bits do not depend on how the block is cut.
    /// </summary>
    private static void ApplyLate(float* c, int ldc, int rowStart, int rowEnd, int jc, int nc, in Activation late, KernelIsa isa)
    {
        // A block spanning whole rows (7x7 and 14x14 maps) is one contiguous run: one call instead of one per
        // 49-value row, whose call and ragged-end costs doubled a 160->960 @7 conv's time.
        if (nc == ldc) ActivationMath.ApplyInPlace(new Span<float>(c + (long)rowStart * ldc, (rowEnd - rowStart) * nc), late, isa);
        else
            for (int i = rowStart; i < rowEnd; i++) ActivationMath.ApplyInPlace(new Span<float>(c + (long)i * ldc + jc, nc), late, isa);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunBlock(PackedGemmProblem problem, int index, int k, int ldc, int mPadded, float* packedA, float* c, float* residual,
        float* rowBias, float* columnBias, Activation activation, Activation late, int depthStep, float* packedB, float* edgeTile, float* edgeColumnBias,
        KernelIsa isa, int rowStart, int rowEnd, int jc, int nc, float* sharedBlock, float* prepackedBlock)
    {
        const int mr = GemmMicroKernel.Rows, nr = GemmMicroKernel.Columns;
        bool wide = isa == KernelIsa.Avx512;
        // A plain B read in place saves its packing, which costs as much as a third of the product when few rows
        // (output channels) use each packed value, and measured no slower with many. A B shared by row tasks
        // (SharedPackedB) stays packed: the same values, so the same bits.
        float* plainB = wide && prepackedBlock == null && sharedBlock == null ? problem.PlainB(index) : null;
        {
            for (int pc = 0; pc < k; pc += depthStep)
            {
                int kc = Math.Min(depthStep, k - pc);
                bool accumulate = pc > 0 || problem.AccumulateIntoC;
                bool finish = pc + kc == k;
                // Panels are kc·16 floats apart in a block packed here or shared, K·16 in a prepacked B.
                int panelDepth = kc;
                // Whole tiles read a plain B in place; only the ragged rest is packed (from column jc + fullColumns).
                float* plainBlock = plainB == null ? null : plainB + (long)pc * problem.N;
                int fullColumns = plainB == null ? 0 : FullTileColumns(nc);
                if (prepackedBlock != null)
                {
                    packedB = prepackedBlock + (long)pc * nr;
                    panelDepth = k;
                }
                else if (plainB != null)
                {
                    if (fullColumns < nc) problem.PackB(index, pc, kc, jc + fullColumns, nc - fullColumns, packedB);
                }
                else if (sharedBlock == null) problem.PackB(index, pc, kc, jc, nc, packedB);
                else packedB = sharedBlock + (long)pc * RoundUp(nc, nr);
                float* aBlock = packedA + (long)pc * mPadded;
                for (int ic = rowStart; ic < rowEnd; ic += RowBlock)
                {
                    int icEnd = Math.Min(rowEnd, ic + RowBlock);
                    int jr = 0;
                    if (wide)
                    {
                        // 48- and 32-column tiles on the 512-bit kernels, then the ragged rest with as few wasted
                        // lanes as the kernels allow (WideTileWidth: 49 = 48 + 1 on 7x7 maps, 196 = 4·48 + 4 on
                        // 14x14). Every kernel computes an output as one FMA chain over k, so the cut does not
                        // change the bits.
                        while (jr < nc)
                        {
                            int width = WideTileWidth(nc - jr);
                            float* b0 = packedB + (long)(jr - fullColumns) * panelDepth;
                            long panelStride = (long)nr * panelDepth;
                            int rowStride = nr;
                            if (jr < fullColumns)
                            {
                                b0 = plainBlock + jc + jr;
                                panelStride = nr;
                                rowStride = problem.N;
                            }
                            float* colBias = finish && columnBias != null ? columnBias + jc + jr : null;
                            if (width == problem.N && width <= GemvColumnKernel.MaxColumns && rowStride == nr)
                            {
                                // The whole output is this column or two: never cut by columns, so summed in four chains.
                                for (int ir = ic; ir < icEnd; ir += mr)
                                    GemvColumnKernel.Run(kc, aBlock + (long)ir * kc, b0, c + (long)ir * ldc + jc + jr, ldc, accumulate, finish,
                                        rowBias == null ? null : rowBias + ir, colBias, activation, Math.Min(mr, problem.M - ir), width);
                                jr += width;
                                continue;
                            }
                            if (width <= GemmColumnKernel.MaxColumns)
                            {
                                // One or two columns 48 rows at a time (8 FMA chains per column), more 24 rows by 4 columns.
                                bool group = width > 2;
                                int callRows = (group ? 4 : GemmColumnKernel.Panels) * mr;
                                for (int ir = ic; ir < icEnd; ir += callRows)
                                {
                                    int height = Math.Min(callRows, Math.Min(icEnd, problem.M) - ir);
                                    float* aPanels = aBlock + (long)ir * kc, cTile = c + (long)ir * ldc + jc + jr, rb = rowBias == null ? null : rowBias + ir;
                                    if (group)
                                        GemmColumnKernel.RunFour(kc, aPanels, CeilDiv(height, mr), b0, cTile, ldc, accumulate, finish, rb, colBias, activation, height, width, edgeTile);
                                    else
                                        GemmColumnKernel.Run(kc, aPanels, CeilDiv(height, mr), b0, cTile, ldc, accumulate, finish, rb, colBias, activation, height, width, edgeTile);
                                }
                                jr += width;
                                continue;
                            }
                            if (width <= nr)
                            {
                                // Two A panels a call (12 rows): one B panel's 12 FMA chains.
                                for (int ir = ic; ir < icEnd; ir += 2 * mr)
                                {
                                    float* aPanel = aBlock + (long)ir * kc;
                                    int height = Math.Min(2 * mr, Math.Min(icEnd, problem.M) - ir);
                                    WideGemmMicroKernel.RunSingle(kc, aPanel, height > mr ? aPanel + (long)mr * kc : aPanel, b0, c + (long)ir * ldc + jc + jr, ldc,
                                        accumulate, finish, rowBias == null ? null : rowBias + ir, colBias, activation, height, width, edgeTile);
                                }
                                jr += width;
                                continue;
                            }
                            for (int ir = ic; ir < icEnd; ir += mr)
                            {
                                float* aPanel = aBlock + (long)ir * kc;
                                float* cTile = c + (long)ir * ldc + jc + jr;
                                float* rb = rowBias == null ? null : rowBias + ir;
                                int height = Math.Min(mr, problem.M - ir);
                                if (width > WideGemmMicroKernel.Columns)
                                    TripleGemmMicroKernel.Run(kc, aPanel, b0, panelStride, rowStride, cTile, ldc, accumulate, finish, rb, colBias, activation, height, width, edgeTile);
                                else
                                    WideGemmMicroKernel.Run(kc, aPanel, b0, b0 + panelStride, cTile, ldc, accumulate, finish, rb, colBias, activation, height, width, rowStride);
                            }
                            jr += width;
                        }
                    }
                    RunPanels(problem, aBlock, packedB, kc, panelDepth, c, ldc, ic, icEnd, jc, jr, nc, nc, accumulate, finish, rowBias, columnBias, edgeTile, edgeColumnBias, activation, isa >= KernelIsa.Avx2);
                    // Sigmoid/SiLU/HardSwish/HardSigmoid/GELU on this row block while it is in cache: a MatMul's block
                    // of all 3136 rows x 256 columns (ConvNeXt) is 3 MB, out of L2 by the time the block is done.
                    if (finish && residual != null) ResidualEpilogue.Apply(c, residual, ldc, ic, icEnd, jc, nc, late, isa);
                    else if (finish && late.Kind != FusedActivation.None) ApplyLate(c, ldc, ic, icEnd, jc, nc, late, isa);
                }
            }
        }
    }

    /// <summary>How many of <paramref name="nc"/> columns <see cref="WideTileWidth"/> covers with whole 48- and 32-column tiles.</summary>
    private static int FullTileColumns(int nc)
    {
        int jr = 0;
        while (jr < nc)
        {
            int width = WideTileWidth(nc - jr);
            if (width != TripleGemmMicroKernel.Columns && width != WideGemmMicroKernel.Columns) break;
            jr += width;
        }
        return jr;
    }

    /// <summary>
    /// The next tile width on the 512-bit kernels for <paramref name="rest"/> columns left: 1..4 on the column kernel,
    /// 5..16 on one masked panel, 17..32 a masked pair, 33..48 a masked triple; above, 48 at a time, except that a rest
    /// of 53..64 goes as 32 + 21..32 (two pairs waste fewer lanes than 48 + a masked panel).
    /// </summary>
    internal static int WideTileWidth(int rest) => rest switch
    {
        <= TripleGemmMicroKernel.Columns => rest,
        <= TripleGemmMicroKernel.Columns + GemmColumnKernel.MaxColumns => TripleGemmMicroKernel.Columns,
        <= 2 * WideGemmMicroKernel.Columns => WideGemmMicroKernel.Columns,
        _ => TripleGemmMicroKernel.Columns,
    };

    /// <summary>
    /// Rows [ic, icEnd) x packed columns [jrStart, jrEnd) of the current block on the 16- and 8-column kernels,
    /// with edge tiles (partial rows or columns) going through a scratch tile.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunPanels(PackedGemmProblem problem, float* aBlock, float* packedB, int kc, int panelDepth, float* c, int ldc,
        int ic, int icEnd, int jc, int jrStart, int jrEnd, int nc, bool accumulate, bool finish,
        float* rowBias, float* columnBias, float* edgeTile, float* edgeColumnBias, Activation activation, bool fma)
    {
        const int mr = GemmMicroKernel.Rows, nr = GemmMicroKernel.Columns;
        for (int jr = jrStart; jr < jrEnd; jr += nr)
        {
            int width = Math.Min(nr, nc - jr);
            float* bPanel = packedB + (long)jr * panelDepth;
            float* colBias = null;
            if (finish && columnBias != null)
            {
                if (width == nr) colBias = columnBias + jc + jr;
                else
                {
                    for (int j = 0; j < nr; j++) edgeColumnBias[j] = j < width ? columnBias[jc + jr + j] : 0;
                    colBias = edgeColumnBias;
                }
            }
            for (int ir = ic; ir < icEnd; ir += mr)
            {
                int height = Math.Min(mr, problem.M - ir);
                float* aPanel = aBlock + (long)ir * kc;
                float* cTile = c + (long)ir * ldc + jc + jr;
                float* rb = rowBias == null ? null : rowBias + ir;
                bool narrow = width <= GemmMicroKernel.NarrowColumns;
                if (height == mr && (width == nr || width == GemmMicroKernel.NarrowColumns))
                {
                    if (narrow) GemmMicroKernel.RunNarrow(kc, aPanel, bPanel, cTile, ldc, accumulate, finish, rb, colBias, activation, fma);
                    else GemmMicroKernel.Run(kc, aPanel, bPanel, cTile, ldc, accumulate, finish, rb, colBias, activation, fma);
                    continue;
                }
                // Edge tile: run the kernel on a scratch tile, copy back only the valid part.
                if (accumulate)
                    for (int r = 0; r < height; r++)
                        for (int j = 0; j < width; j++) edgeTile[r * nr + j] = cTile[(long)r * ldc + j];
                if (narrow) GemmMicroKernel.RunNarrow(kc, aPanel, bPanel, edgeTile, nr, accumulate, finish, rb, colBias, activation, fma);
                else GemmMicroKernel.Run(kc, aPanel, bPanel, edgeTile, nr, accumulate, finish, rb, colBias, activation, fma);
                for (int r = 0; r < height; r++)
                    for (int j = 0; j < width; j++) cTile[(long)r * ldc + j] = edgeTile[r * nr + j];
            }
        }
    }

    private static void ZeroDepthTile(PackedGemmProblem problem, int index, float* c, int ldc, float* rowBias, float* columnBias,
        int rowStart, int rowEnd, int jc, int nc)
    {
        for (int i = rowStart; i < rowEnd; i++)
            for (int j = jc; j < jc + nc; j++)
            {
                float v = problem.AccumulateIntoC ? c[(long)i * ldc + j] : 0;
                if (rowBias != null) v += rowBias[i];
                if (columnBias != null) v += columnBias[j];
                float* r = problem.Residual(index);
                c[(long)i * ldc + j] = ActivationMath.Scalar(r == null ? v : v + r[(long)i * ldc + j], problem.Activation);
            }
    }

    internal static int CeilDiv(int a, int b) => (a + b - 1) / b;
    internal static long CeilDiv(long a, long b) => (a + b - 1) / b;
    internal static int RoundUp(int a, int b) => CeilDiv(a, b) * b;
}
