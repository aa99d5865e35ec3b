using System.Runtime.InteropServices;

namespace OnnxNorm.Graph;

/// <summary>The few POSIX calls .NET does not expose: the resolved real path and the hard-link count.</summary>
internal static class LibC
{
    [DllImport("libc", EntryPoint = "realpath", SetLastError = true)]
    private static extern IntPtr RealPathNative([MarshalAs(UnmanagedType.LPUTF8Str)] string path, IntPtr resolved);

    [DllImport("libc", EntryPoint = "free")]
    private static extern void Free(IntPtr p);

    [DllImport("libc", EntryPoint = "stat", SetLastError = true)]
    private static extern int StatNative([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buf);

    [DllImport("libc", EntryPoint = "madvise")]
    private static extern int MAdvise(nint address, nuint length, int advice);

    private const int MadvDontNeed = 4;

    /// <summary>madvise(MADV_DONTNEED): drop the resident pages of a read-only file map (they re-read from the file).</summary>
    public static void AdviseDontNeed(nint address, nuint length)
    {
        if (OperatingSystem.IsLinux()) MAdvise(address, length, MadvDontNeed);
    }

    public static string? RealPath(string path)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return Path.GetFullPath(path);
        IntPtr p = RealPathNative(path, IntPtr.Zero);
        if (p == IntPtr.Zero) return null;
        try { return Marshal.PtrToStringUTF8(p); }
        finally { Free(p); }
    }

    /// <summary>The number of hard links to a file, or -1 where it cannot be read.</summary>
    public static long HardLinkCount(string path)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return -1;
        var buf = new byte[256];
        if (StatNative(path, buf) != 0) return -1;
        return BitConverter.ToInt64(buf, 16); // x86_64 glibc struct stat: st_dev, st_ino, st_nlink
    }
}
