namespace OnnxNorm.Runtime.Operators;

/// <summary>A function of two elements, as a struct so broadcast loops are specialised for it.</summary>
internal interface IBinaryOp<T, TR>
{
    TR Apply(T a, T b);
}

/// <summary>Numpy-style broadcasting loops over typed arrays.</summary>
internal static class Broadcasting
{
    public static void Apply<T, TR, TOp>(T[] a, long[] aShape, T[] b, long[] bShape, TR[] y, long[] yShape, TOp op)
        where TOp : struct, IBinaryOp<T, TR>
    {
        int n = checked((int)Shapes.Size(yShape));
        if (n == 0) return;
        long na = Shapes.Size(aShape), nb = Shapes.Size(bShape);
        if (na == n && nb == n)
        {
            for (int i = 0; i < n; i++) y[i] = op.Apply(a[i], b[i]);
            return;
        }
        if (na == n && nb == 1)
        {
            T bv = b[0];
            for (int i = 0; i < n; i++) y[i] = op.Apply(a[i], bv);
            return;
        }
        if (na == 1 && nb == n)
        {
            T av = a[0];
            for (int i = 0; i < n; i++) y[i] = op.Apply(av, b[i]);
            return;
        }
        int rank = yShape.Length;
        var sa = Shapes.BroadcastStrides(aShape, yShape);
        var sb = Shapes.BroadcastStrides(bShape, yShape);
        int inner = (int)yShape[rank - 1];
        long ia = sa[rank - 1], ib = sb[rank - 1];
        int outer = n / inner;
        var idx = new long[rank];
        for (int o = 0; o < outer; o++)
        {
            long offA = 0, offB = 0;
            for (int d = 0; d < rank - 1; d++) { offA += idx[d] * sa[d]; offB += idx[d] * sb[d]; }
            int yo = o * inner;
            for (int j = 0; j < inner; j++) y[yo + j] = op.Apply(a[offA + j * ia], b[offB + j * ib]);
            for (int d = rank - 2; d >= 0; d--)
            {
                if (++idx[d] < yShape[d]) break;
                idx[d] = 0;
            }
        }
    }

    /// <summary>For every output element, the offsets into each broadcast input (used by Where and Expand).</summary>
    public static void ForEach(long[] yShape, long[][] inputShapes, Action<int, long[]> body)
    {
        int n = checked((int)Shapes.Size(yShape));
        int rank = yShape.Length;
        var strides = inputShapes.Select(s => Shapes.BroadcastStrides(s, yShape)).ToArray();
        var idx = new long[rank];
        var offs = new long[inputShapes.Length];
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < offs.Length; k++)
            {
                long off = 0;
                for (int d = 0; d < rank; d++) off += idx[d] * strides[k][d];
                offs[k] = off;
            }
            body(i, offs);
            for (int d = rank - 1; d >= 0; d--)
            {
                if (++idx[d] < yShape[d]) break;
                idx[d] = 0;
            }
        }
    }
}
