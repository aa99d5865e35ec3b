using System.Diagnostics;
using OnnxNorm.Ir;
using OnnxNorm.Runtime;
using OnnxNorm.Runtime.Data;
using OnnxNorm.TestModels;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Cli.Tests;

/// <summary>
/// A scratch folder with a model, calibration data and the special files an attacker would aim outputs at
/// (device nodes, FIFOs, symlinks, hard links), and ways to look at files without trusting the code under test.
/// </summary>
internal sealed class HostileFiles
{
    public HostileFiles()
    {
        Dir = TestData.NewTempDir();
        Model = Path.Combine(Dir, "m.onnx");
        File.Copy(TestData.TestModel("convbn_small.onnx"), Model);
        Data = Path.Combine(Dir, "d.npy");
        var rng = new DeterministicRandom(3);
        NpyFile.Write(Data, TensorValue.FromFloats(new long[] { 2, 3, 32, 32 }, rng.Normals(2 * 3 * 32 * 32, 1).Select(x => (float)x).ToArray()));
    }

    public string Dir { get; }
    public string Model { get; }
    public string Data { get; }

    public string PathOf(string name) => Path.Combine(Dir, name);

    public static bool IsRoot => Environment.UserName == "root";

    /// <summary>
    /// A character device to aim outputs at: as root a private mknod copy of /dev/null (so a failure cannot
    /// break the machine's); otherwise /dev/null itself, which a non-root process cannot replace anyway.
    /// </summary>
    public string CharDevice(string name)
    {
        if (!IsRoot) return "/dev/null";
        string p = PathOf(name);
        Shell("mknod", p, "c", "1", "3");
        return p;
    }

    public string Fifo(string name)
    {
        string p = PathOf(name);
        Shell("mkfifo", p);
        return p;
    }

    /// <summary>The file type as stat(1) reports it ("regular file", "character special file", "fifo", "symbolic link").</summary>
    public static string Kind(string path) => Shell("stat", "-c", "%F", path).Trim();

    /// <summary>Files in the folder, hidden temp files included.</summary>
    public string[] Listing() => Directory.GetFileSystemEntries(Dir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    public string[] TempFiles() => Listing().Where(f => f.EndsWith(".tmp", StringComparison.Ordinal)).ToArray();

    public static string Shell(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string o = p.StandardOutput.ReadToEnd();
        string e = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)}: {e}");
        return o;
    }

    /// <summary>Every verb that writes, each with its output aimed at <paramref name="target"/>.</summary>
    public IEnumerable<(string What, string[] Args)> EveryWriteAimedAt(string target)
    {
        string o = PathOf("out.onnx");
        yield return ("convert -o", new[] { "convert", Model, "-o", target });
        // External data lives beside the model, so it can only be aimed at a file in this folder.
        if (Path.GetDirectoryName(target) == Dir)
            yield return ("convert --external-data", new[] { "convert", Model, "-o", o, "--external-data", Path.GetFileName(target), "--force" });
        yield return ("optimize -o", new[] { "optimize", Model, "-o", target });
        yield return ("optimize --report", new[] { "optimize", Model, "-o", o, "--report", target });
        yield return ("freeze-bn -o", new[] { "freeze-bn", Model, "-o", target });
        yield return ("freeze-bn --frozen-params", new[] { "freeze-bn", Model, "-o", o, "--frozen-params", target });
        yield return ("check-stats --json", new[] { "check-stats", Model, "--data", Data, "--json", target });
        yield return ("check-stats --html", new[] { "check-stats", Model, "--data", Data, "--html", target });
        yield return ("compare --json", new[] { "compare", Model, Model, "--json", target });
        yield return ("recalibrate -o", new[] { "recalibrate", Model, "--data", Data, "-o", target });
    }
}
