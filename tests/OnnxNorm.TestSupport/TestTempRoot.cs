using System.Diagnostics;

namespace OnnxNorm.TestSupport;

/// <summary>
/// The one folder under which a test process makes all its temporary folders. A full run writes gigabytes of
/// models; left behind, they filled a machine's disk over a few dozen runs.
/// </summary>
public static class TestTempRoot
{
    private static readonly string Parent = Path.Combine(Path.GetTempPath(), "onnxnorm-tests");

    private static readonly Lazy<string> Root = new(Create);

    /// <summary>This process's root, made (after sweeping roots of ended processes) on first use.</summary>
    public static string Current => Root.Value;

    private static string Create()
    {
        SweepRootsOfEndedProcesses();
        string root = Path.Combine(Parent, $"{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => DeleteTree(root);
        return root;
    }

    // The test runner ends its test hosts without always raising ProcessExit, so a root can outlive its process;
    // the next process to start removes every root whose process is gone.
    public static void SweepRootsOfEndedProcesses()
    {
        if (!Directory.Exists(Parent)) return;
        foreach (string dir in Directory.GetDirectories(Parent))
        {
            string name = Path.GetFileName(dir);
            int dash = name.IndexOf('-');
            if (dash <= 0 || !int.TryParse(name.AsSpan(0, dash), out int pid) || IsRunning(pid)) continue;
            DeleteTree(dir);
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; }          // no such process
        catch (InvalidOperationException) { return false; }
    }

    private static void DeleteTree(string dir)
    {
        try
        {
            // Tests make folders and files read-only to check refusals; give write access back so they can go.
            foreach (string d in Directory.EnumerateDirectories(dir, "*", SearchOption.AllDirectories))
                TryMakeWritable(d);
            TryMakeWritable(dir);
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException) { }                 // another process sweeping the same root, or a file still open
        catch (UnauthorizedAccessException) { }
    }

    private static void TryMakeWritable(string dir)
    {
        if (OperatingSystem.IsWindows()) return;
        try { File.SetUnixFileMode(dir, File.GetUnixFileMode(dir) | UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
