using System.Runtime.CompilerServices;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// A per-thread, 64-byte-aligned float workspace for packed B panels. Per-thread storage makes concurrent
/// <c>Run</c> calls safe without locks, and reusing it avoids a multi-hundred-KB allocation per GEMM block.
/// Aligning to a cache line means each 16-float row of a packed panel is exactly one line.
/// </summary>
internal static unsafe class ThreadScratch
{
    [ThreadStatic] private static float[]? s_buffer;

    /// <summary>
    /// A pointer to at least <paramref name="floats"/> floats. It stays valid until the next call on the
    /// same thread (the array lives on the pinned heap, so the GC never moves it).
    /// </summary>
    public static float* Get(int floats)
    {
        var buffer = s_buffer;
        if (buffer is null || buffer.Length < floats + 16)
        {
            buffer = GC.AllocateUninitializedArray<float>(floats + 16, pinned: true);
            s_buffer = buffer;
        }
        nint address = (nint)Unsafe.AsPointer(ref buffer[0]);
        return (float*)((address + 63) & ~(nint)63);
    }
}
