using OnnxNorm.Runtime.Kernels;

namespace OnnxNorm.Runtime.Operators;

/// <summary>
/// Float32 linear or nearest Resize of the last two axes (bilinear upsampling in segmentation heads, nearest
/// 2x upsampling in detection FPNs), plane by plane; nearest is the two-tap form with weights (1, 0).
/// Linear runs the width pass once per source row into a per-thread row buffer (two slots, reused by every
/// output row between the same two source rows: 8x upsampling reads each eight times), then blends two
/// buffered rows per output row; both passes in float32 vectors (<see cref="ResizeRows"/>), as ONNX Runtime
/// computes. Planes are independent and each value is computed by the same code wherever the split falls,
/// so the thread count changes nothing in the result.
/// </summary>
internal static unsafe class ResizePlanes
{
    /// <summary>
    /// For each output index along one axis: the two source indices and their float32 weights (a pair reading
    /// one source index twice is stored as weights (1, 0), exactly the source value). Identity: the general
    /// path skips the axis, so values pass untouched (-0 stays -0, which 0 + 1·a would not keep).
    /// </summary>
    public sealed record Taps(int[] I0, float[] W0, int[] I1, float[] W1, bool Identity)
    {
        /// <summary>Every output along the axis is one source value with weight 1 (nearest, or the identity).</summary>
        public bool Picks
        {
            get
            {
                if (Identity) return true;
                for (int i = 0; i < W0.Length; i++)
                    if (W0[i] != 1 || W1[i] != 0) return false;
                return true;
            }
        }

        /// <summary>Nearest 2x: output j reads source j / 2.</summary>
        public bool Doubles(int inSize)
        {
            if (Identity || I0.Length != 2 * inSize) return false;
            for (int j = 0; j < I0.Length; j++)
                if (I0[j] != j >> 1) return false;
            return true;
        }
    }

    public static void Run(float[] x, float[] y, int planes, int ih, int iw, Taps rows, Taps columns, in KernelTarget target)
    {
        long outputs = (long)rows.I0.Length * columns.I0.Length;
        if (rows.Picks && columns.Picks)
            ParallelRanges.Run(planes, outputs * ParallelWork.CopiedValueCost, target, new NearestPlanes(x, y, ih, iw, rows, columns));
        else
            ParallelRanges.Run(planes, outputs * ParallelWork.ResampledValueCost, target, new Planes(x, y, ih, iw, rows, columns));
    }

    private readonly struct Planes(float[] x, float[] y, int ih, int iw, Taps rows, Taps columns) : IRangeWork
    {
        public void Run(int first, int count) => Resample(x, y, ih, iw, rows, columns, first, count);
    }

    private readonly struct NearestPlanes(float[] x, float[] y, int ih, int iw, Taps rows, Taps columns) : IRangeWork
    {
        public void Run(int first, int count) => Pick(x, y, ih, iw, rows, columns, first, count);
    }

    /// <summary>
    /// Nearest without arithmetic (PP-OCRv4 det's FPN): the general path computes 0 + 1·v, which is v except
    /// that -0 becomes +0, and so does v + 0f, so the bits are the same. An output row whose source row is the
    /// previous one's is a copy of that output row.
    /// </summary>
    private static void Pick(float[] x, float[] y, int ih, int iw, Taps rows, Taps columns, int start, int count)
    {
        int oh = rows.I0.Length, ow = columns.I0.Length;
        bool exact = rows.Identity && columns.Identity; // the general path skips both axes: values pass untouched
        bool doubles = columns.Doubles(iw);
        fixed (float* px = x, py = y)
        fixed (int* at = columns.I0)
            for (int p = start; p < start + count; p++)
            {
                float* src = px + (long)p * ih * iw, dst = py + (long)p * oh * ow;
                for (int o = 0; o < oh; o++)
                {
                    float* d = dst + (long)o * ow;
                    if (o > 0 && rows.I0[o] == rows.I0[o - 1])
                        Buffer.MemoryCopy(d - ow, d, (long)ow * sizeof(float), (long)ow * sizeof(float));
                    else if (exact)
                        Buffer.MemoryCopy(src + (long)rows.I0[o] * iw, d, (long)ow * sizeof(float), (long)ow * sizeof(float));
                    else if (doubles) ResizeRows.Double(src + (long)rows.I0[o] * iw, d, iw);
                    else ResizeRows.Pick(src + (long)rows.I0[o] * iw, at, d, ow);
                }
            }
    }

    private static void Resample(float[] x, float[] y, int ih, int iw, Taps rows, Taps columns, int start, int count)
    {
        int oh = rows.I0.Length, ow = columns.I0.Length;
        float* slots = ThreadScratch.Get(2 * ow);
        fixed (float* px = x, py = y, cw0 = columns.W0, cw1 = columns.W1)
        fixed (int* ci0 = columns.I0, ci1 = columns.I1)
        {
            var width = new WidthPass(ci0, cw0, ci1, cw1, ow, columns.Identity);
            for (int p = start; p < start + count; p++)
            {
                float* src = px + (long)p * ih * iw, dst = py + (long)p * oh * ow;
                int key0 = -1, key1 = -1; // the source row each slot holds
                for (int o = 0; o < oh; o++)
                {
                    float* d = dst + (long)o * ow;
                    if (rows.Identity)
                    {
                        width.Run(src + (long)o * iw, d);
                        continue;
                    }
                    int r0 = rows.I0[o], r1 = rows.I1[o];
                    float* a = Slot(width, src, iw, slots, r0, r1, ref key0, ref key1);
                    float* b = Slot(width, src, iw, slots, r1, r0, ref key0, ref key1);
                    ResizeRows.Vertical(a, rows.W0[o], b, rows.W1[o], d, ow);
                }
            }
        }
    }

    /// <summary>The buffered width pass of source row r: a slot holding it, else the slot not holding row keep, refilled.</summary>
    private static float* Slot(in WidthPass width, float* plane, int iw, float* slots, int r, int keep, ref int key0, ref int key1)
    {
        if (key0 == r) return slots;
        if (key1 == r) return slots + width.Count;
        bool first = key0 != keep;
        float* s = first ? slots : slots + width.Count;
        width.Run(plane + (long)r * iw, s);
        if (first) key0 = r;
        else key1 = r;
        return s;
    }

    private readonly struct WidthPass(int* i0, float* w0, int* i1, float* w1, int count, bool identity)
    {
        public int Count => count;

        public void Run(float* row, float* output)
        {
            if (identity) Buffer.MemoryCopy(row, output, (long)count * sizeof(float), (long)count * sizeof(float));
            else ResizeRows.Horizontal(row, i0, w0, i1, w1, output, count);
        }
    }
}
