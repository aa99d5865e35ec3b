using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// Converts between 8 channel planes (NCHW) and the channel-interleaved block layout [position][8] that
/// <see cref="DepthwiseConv"/> computes in: one vector holds one position of 8 channels, so a tap at any
/// stride or dilation is one aligned-width load, with no lane shuffles and no border lanes.
/// Missing channels (fewer than 8 in the last block) read as zero and are not written back.
/// </summary>
internal static unsafe class ChannelBlockLayout
{
    public const int Width = 8;

    /// <summary>block[p·8 + c] = planes[c][p] for p in [0, count), c in [0, channels); lanes past channels = 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gather(float* firstPlane, long planeStride, int channels, int count, float* block)
    {
        int p = 0;
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
                    block + (long)p * Width, Width);
            }
        }
        for (; p < count; p++)
        {
            float* d = block + (long)p * Width;
            int c = 0;
            for (; c < channels; c++) d[c] = firstPlane[c * planeStride + p];
            for (; c < Width; c++) d[c] = 0f;
        }
    }

    /// <summary>planes[c][p] = block[p·8 + c] for p in [0, count), c in [0, channels).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scatter(float* block, int channels, int count, float* firstPlane, long planeStride)
    {
        int p = 0;
        if (channels == Width && Avx.IsSupported)
        {
            for (; p + Width <= count; p += Width)
            {
                float* s = block + (long)p * Width;
                Transpose8(
                    Avx.LoadVector256(s), Avx.LoadVector256(s + 8), Avx.LoadVector256(s + 16), Avx.LoadVector256(s + 24),
                    Avx.LoadVector256(s + 32), Avx.LoadVector256(s + 40), Avx.LoadVector256(s + 48), Avx.LoadVector256(s + 56),
                    firstPlane + p, planeStride);
            }
        }
        for (; p < count; p++)
        {
            float* s = block + (long)p * Width;
            for (int c = 0; c < channels; c++) firstPlane[c * planeStride + p] = s[c];
        }
    }

    /// <summary>Stores the transpose of the 8x8 matrix whose rows are r0..r7: row i goes to destination + i·stride.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transpose8(Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3,
        Vector256<float> r4, Vector256<float> r5, Vector256<float> r6, Vector256<float> r7, float* destination, long stride)
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
        Avx.Store(destination, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(destination + stride, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(destination + 2 * stride, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(destination + 3 * stride, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(destination + 4 * stride, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(destination + 5 * stride, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(destination + 6 * stride, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(destination + 7 * stride, Avx.Permute2x128(u3, u7, 0x31));
    }
}
