using System.Runtime.InteropServices;

namespace OnnxNorm.Ir;

/// <summary>
/// The few POSIX calls .NET does not expose: the resolved real path, stat/lstat/fstat, access, a rename
/// that never replaces, and fsync of a folder.
/// </summary>
internal static class LibC
{
    [DllImport("libc", EntryPoint = "realpath", SetLastError = true)]
    private static extern IntPtr RealPathNative([MarshalAs(UnmanagedType.LPUTF8Str)] string path, IntPtr resolved);

    [DllImport("libc", EntryPoint = "free")]
    private static extern void Free(IntPtr p);

    [DllImport("libc", EntryPoint = "stat", SetLastError = true)]
    private static extern int StatNative([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buf);

    [DllImport("libc", EntryPoint = "lstat", SetLastError = true)]
    private static extern int LstatNative([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buf);

    [DllImport("libc", EntryPoint = "fstat", SetLastError = true)]
    private static extern int FstatNative(int fd, byte[] buf);

    [DllImport("libc", EntryPoint = "access", SetLastError = true)]
    private static extern int AccessNative([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int mode);

    [DllImport("libc", EntryPoint = "renameat2", SetLastError = true)]
    private static extern int RenameAt2(int olddirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string oldpath, int newdirfd,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string newpath, uint flags);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int OpenNative([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static extern int Fcntl(int fd, int cmd, int arg);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int FsyncNative(int fd);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int CloseNative(int fd);

    [DllImport("libc", EntryPoint = "madvise")]
    private static extern int MAdvise(nint address, nuint length, int advice);

    private const int MadvDontNeed = 4;
    private const int AtFdCwd = -100;
    private const uint RenameNoReplaceFlag = 1;
    private const int WriteOk = 2;
    private const int EExist = 17;
    private const int ORdOnly = 0, ONonBlock = 0x800, ODirectory = 0x10000, OCloexec = 0x80000;
    private const int FGetFl = 3, FSetFl = 4;

    public static bool IsPosix => OperatingSystem.IsLinux() || OperatingSystem.IsMacOS();

    /// <summary>madvise(MADV_DONTNEED): drop the resident pages of a read-only file map (they re-read from the file).</summary>
    public static void AdviseDontNeed(nint address, nuint length)
    {
        if (OperatingSystem.IsLinux()) MAdvise(address, length, MadvDontNeed);
    }

    public static string? RealPath(string path)
    {
        if (!IsPosix) return Path.GetFullPath(path);
        IntPtr p = RealPathNative(path, IntPtr.Zero);
        if (p == IntPtr.Zero) return null;
        try { return Marshal.PtrToStringUTF8(p); }
        finally { Free(p); }
    }

    /// <summary>The number of hard links to a file, or -1 where it cannot be read.</summary>
    public static long HardLinkCount(string path) => Stat(path)?.Links ?? -1;

    /// <summary>stat (follows symlinks), or null if the file does not exist or cannot be read.</summary>
    public static FileStatus? Stat(string path) => Call(b => StatNative(path, b));

    /// <summary>lstat: a symlink itself, not what it points at.</summary>
    public static FileStatus? Lstat(string path) => Call(b => LstatNative(path, b));

    /// <summary>fstat on an open handle: what was really opened, whatever the path names now.</summary>
    public static FileStatus? Fstat(Microsoft.Win32.SafeHandles.SafeFileHandle handle)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            int fd = (int)handle.DangerousGetHandle();
            return Call(b => FstatNative(fd, b));
        }
        finally { if (added) handle.DangerousRelease(); }
    }

    private static FileStatus? Call(Func<byte[], int> stat)
    {
        if (!OperatingSystem.IsLinux()) return null;
        var buf = new byte[256];
        if (stat(buf) != 0) return null;
        return FileStatus.FromLinuxStat(buf);
    }

    /// <summary>Whether this process may create files in <paramref name="folder"/> (false on a read-only mount, even for root).</summary>
    public static bool CanWrite(string folder) => !IsPosix || AccessNative(folder, WriteOk) == 0;

    /// <summary>
    /// Renames without ever replacing <paramref name="to"/>: false if it exists (someone created it meanwhile).
    /// Where renameat2 is missing, link+unlink gives the same guarantee.
    /// </summary>
    public static bool RenameNoReplace(string from, string to)
    {
        if (!OperatingSystem.IsLinux())
        {
            if (File.Exists(to) || Directory.Exists(to)) return false;
            File.Move(from, to);
            return true;
        }
        if (RenameAt2(AtFdCwd, from, AtFdCwd, to, RenameNoReplaceFlag) == 0) return true;
        int errno = Marshal.GetLastPInvokeError();
        if (errno == EExist) return false;
        throw new IOException($"cannot rename {Path.GetFileName(from)} to {Path.GetFileName(to)} (errno {errno})");
    }

    /// <summary>
    /// Opens for reading without ever blocking in open() (a FIFO with no writer would block forever), then
    /// switches the handle back to blocking reads. Null with the errno when it cannot be opened.
    /// </summary>
    public static Microsoft.Win32.SafeHandles.SafeFileHandle? OpenRead(string path, out int errno)
    {
        errno = 0;
        if (!OperatingSystem.IsLinux())
        {
            try { return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read); }
            catch (IOException) { errno = 2; return null; }
            catch (UnauthorizedAccessException) { errno = 13; return null; }
        }
        int fd = OpenNative(path, ORdOnly | ONonBlock | OCloexec);
        if (fd < 0) { errno = Marshal.GetLastPInvokeError(); return null; }
        int flags = Fcntl(fd, FGetFl, 0);
        if (flags >= 0) Fcntl(fd, FSetFl, flags & ~ONonBlock);
        return new Microsoft.Win32.SafeHandles.SafeFileHandle((IntPtr)fd, ownsHandle: true);
    }

    /// <summary>The real path of what an open handle refers to (Linux: /proc/self/fd), or null.</summary>
    public static string? RealPathOf(Microsoft.Win32.SafeHandles.SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux()) return null;
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return new FileInfo($"/proc/self/fd/{(int)handle.DangerousGetHandle()}").LinkTarget;
        }
        finally { if (added) handle.DangerousRelease(); }
    }

    /// <summary>fsync on a folder, so a rename in it survives a power loss.</summary>
    public static void FsyncFolder(string folder)
    {
        if (!OperatingSystem.IsLinux()) return;
        int fd = OpenNative(folder, ORdOnly | ODirectory | OCloexec);
        if (fd < 0) return;
        try { FsyncNative(fd); }
        finally { CloseNative(fd); }
    }
}
