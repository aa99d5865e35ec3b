using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// Converts between 8 channel planes (NCHW) and the channel-interleaved block layout [position][8 or 16] that
/// <see cref="DepthwiseConv"/> computes in: one vector holds one position of 8 channels, so a tap at any
/// stride or dilation is one aligned-width load, with no lane shuffles and no border lanes.
/// The block side may have wider rows than the planes (the depthwise kernel's padded input and its output grid):
/// plane position p = r·width + c is block position r·blockRowStride + c. Transposes take 8 plane positions
/// at a time across row ends, so narrow maps (7x7, 14x14) stay on the vector path.
/// Missing channels (fewer than 8 in the last block) read as zero and are not written back.
/// </summary>
internal static unsafe class ChannelBlockLayout
{
    public const int Width = 8;

    /// <summary>
    /// block[q(p)·positionStride + c] = planes[c][p] for p in [0, rows·width), c in [0, channels); lanes past channels
    /// (to 8) = 0. A position stride of 16 fills half of a 16-channel layout.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gather(float* firstPlane, long planeStride, int channels, int rows, int width, float* block, int positionStride, int blockRowStride)
    {
        int count = rows * width, p = 0;
        var q = new RowCursor(width, blockRowStride);
        if (channels == Width && Avx.IsSupported)
        {
            for (; p + Width <= count; p += Width)
            {
                float* s = firstPlane + p;
                Transpose8(
                    Avx.LoadVector256(s), Avx.LoadVector256(s + planeStride),
                    Avx.LoadVector256(s + 2 * planeStride), Avx.LoadVector256(s + 3 * planeStride),
                    Avx.LoadVector256(s + 4 * planeStride), Avx.LoadVector256(s + 5 * planeStride),
                    Avx.LoadVector256(s + 6 * planeStride), Avx.LoadVector256(s + 7 * planeStride),
                    out var o0, out var o1, out var o2, out var o3, out var o4, out var o5, out var o6, out var o7);
                Avx.Store(block + q.Next() * positionStride, o0);
                Avx.Store(block + q.Next() * positionStride, o1);
                Avx.Store(block + q.Next() * positionStride, o2);
                Avx.Store(block + q.Next() * positionStride, o3);
                Avx.Store(block + q.Next() * positionStride, o4);
                Avx.Store(block + q.Next() * positionStride, o5);
                Avx.Store(block + q.Next() * positionStride, o6);
                Avx.Store(block + q.Next() * positionStride, o7);
            }
        }
        for (; p < count; p++)
        {
            float* d = block + q.Next() * positionStride;
            int c = 0;
            for (; c < channels; c++) d[c] = firstPlane[c * planeStride + p];
            for (; c < Width; c++) d[c] = 0f;
        }
    }

    /// <summary>planes[c][p] = block[q(p)·positionStride + c] for p in [0, rows·width), c in [0, channels ≤ 8).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scatter(float* block, int positionStride, int blockRowStride, int channels, int rows, int width, float* firstPlane, long planeStride)
    {
        int count = rows * width, p = 0;
        var q = new RowCursor(width, blockRowStride);
        if (channels == Width && Avx.IsSupported)
        {
            for (; p + Width <= count; p += Width)
            {
                var r0 = Avx.LoadVector256(block + q.Next() * positionStride);
                var r1 = Avx.LoadVector256(block + q.Next() * positionStride);
                var r2 = Avx.LoadVector256(block + q.Next() * positionStride);
                var r3 = Avx.LoadVector256(block + q.Next() * positionStride);
                var r4 = Avx.LoadVector256(block + q.Next() * positionStride);
                var r5 = Avx.LoadVector256(block + q.Next() * positionStride);
                var r6 = Avx.LoadVector256(block + q.Next() * positionStride);
                var r7 = Avx.LoadVector256(block + q.Next() * positionStride);
                Transpose8(r0, r1, r2, r3, r4, r5, r6, r7, firstPlane + p, planeStride);
            }
        }
        for (; p < count; p++)
        {
            float* s = block + q.Next() * positionStride;
            for (int c = 0; c < channels; c++) firstPlane[c * planeStride + p] = s[c];
        }
    }

    /// <summary>Block positions of plane positions 0, 1, 2, ... in turn.</summary>
    private struct RowCursor(int width, int blockRowStride)
    {
        private long _rowStart;
        private int _column;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public long Next()
        {
            long q = _rowStart + _column;
            if (++_column == width)
            {
                _column = 0;
                _rowStart += blockRowStride;
            }
            return q;
        }
    }

    /// <summary>Stores the transpose of the 8x8 matrix whose rows are r0..r7: row i goes to destination + i·stride.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transpose8(Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3,
        Vector256<float> r4, Vector256<float> r5, Vector256<float> r6, Vector256<float> r7, float* destination, long stride)
    {
        Transpose8(r0, r1, r2, r3, r4, r5, r6, r7, out var o0, out var o1, out var o2, out var o3, out var o4, out var o5, out var o6, out var o7);
        Avx.Store(destination, o0);
        Avx.Store(destination + stride, o1);
        Avx.Store(destination + 2 * stride, o2);
        Avx.Store(destination + 3 * stride, o3);
        Avx.Store(destination + 4 * stride, o4);
        Avx.Store(destination + 5 * stride, o5);
        Avx.Store(destination + 6 * stride, o6);
        Avx.Store(destination + 7 * stride, o7);
    }

    /// <summary>The transpose of the 8x8 matrix whose rows are r0..r7, as rows o0..o7.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8(Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3,
        Vector256<float> r4, Vector256<float> r5, Vector256<float> r6, Vector256<float> r7,
        out Vector256<float> o0, out Vector256<float> o1, out Vector256<float> o2, out Vector256<float> o3,
        out Vector256<float> o4, out Vector256<float> o5, out Vector256<float> o6, out Vector256<float> o7)
    {
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44);
        var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44);
        var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44);
        var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44);
        var u7 = Avx.Shuffle(t5, t7, 0xEE);
        o0 = Avx.Permute2x128(u0, u4, 0x20);
        o1 = Avx.Permute2x128(u1, u5, 0x20);
        o2 = Avx.Permute2x128(u2, u6, 0x20);
        o3 = Avx.Permute2x128(u3, u7, 0x20);
        o4 = Avx.Permute2x128(u0, u4, 0x31);
        o5 = Avx.Permute2x128(u1, u5, 0x31);
        o6 = Avx.Permute2x128(u2, u6, 0x31);
        o7 = Avx.Permute2x128(u3, u7, 0x31);
    }
}
