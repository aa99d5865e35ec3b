namespace OnnxNorm.Ir;

/// <summary>
/// The files one run of a command touches: every file it reads (by real path and by device and inode, so a
/// hard link or another spelling of the same file is still recognised) and every temp file it has not yet
/// renamed into place. The output policy refuses to write over a file that was read; cancellation deletes
/// the live temp files. <see cref="Reset"/> starts a new run (the CLI calls it once per invocation).
/// </summary>
public static class RunFiles
{
    private static readonly object Gate = new();
    private static readonly Dictionary<(ulong, ulong), string> ReadByIdentity = new();
    private static readonly Dictionary<string, string> ReadByPath = new(StringComparer.Ordinal);
    private static readonly HashSet<string> Temps = new(StringComparer.Ordinal);
    private static bool _cancelled;

    /// <summary>Forgets the files recorded for the current run (a new command starts).</summary>
    public static void Reset()
    {
        lock (Gate)
        {
            ReadByIdentity.Clear();
            ReadByPath.Clear();
            Temps.Clear();
            _cancelled = false;
        }
    }

    /// <summary>Records that the run reads <paramref name="path"/>; <paramref name="role"/> says how, for messages ("the input model").</summary>
    public static void Read(string path, string role)
    {
        string? real = LibC.RealPath(path);
        var status = LibC.Stat(path);
        lock (Gate)
        {
            ReadByPath.TryAdd(real ?? Path.GetFullPath(path), role);
            if (status is not null) ReadByIdentity.TryAdd(status.Identity, role);
        }
    }

    /// <summary>How the run reads the file at <paramref name="path"/> (resolved, or by device and inode), or null if it does not.</summary>
    internal static string? ReadAs(string path, FileStatus? status)
    {
        string? real = LibC.RealPath(path);
        lock (Gate)
        {
            if (real is not null && ReadByPath.TryGetValue(real, out var role)) return role;
            if (ReadByPath.TryGetValue(Path.GetFullPath(path), out role)) return role;
            if (status is not null && ReadByIdentity.TryGetValue(status.Identity, out role)) return role;
        }
        return null;
    }

    internal static void AddTemp(string temp)
    {
        lock (Gate)
        {
            if (_cancelled) throw new OperationCanceledException("the run was cancelled");
            Temps.Add(temp);
        }
    }

    internal static void RemoveTemp(string temp)
    {
        lock (Gate) Temps.Remove(temp);
    }

    /// <summary>Deletes every live temp file and refuses new ones; returns how many were deleted. Safe to call from a signal handler thread.</summary>
    public static int CancelAndDeleteTemps()
    {
        string[] temps;
        lock (Gate)
        {
            _cancelled = true;
            temps = Temps.ToArray();
            Temps.Clear();
        }
        int deleted = 0;
        foreach (var t in temps)
        {
            try { if (File.Exists(t)) { File.Delete(t); deleted++; } }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return deleted;
    }
}
