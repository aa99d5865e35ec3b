using System.Diagnostics;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Cli.Tests;

/// <summary>Issue 14, items 1-3 and the output half of 6: every output path goes through one policy.</summary>
public class OutputSafetyTests
{
    [Fact]
    public void No_verb_replaces_a_character_device_named_as_its_output()
    {
        var w = new HostileFiles();
        string device = w.CharDevice("null-copy");
        foreach (var (what, args) in w.EveryWriteAimedAt(device))
        {
            var r = OnnxnormProcess.Run(args);
            Assert.True(r.ExitCode == 2, $"{what}: exit {r.ExitCode}: {r.Stderr}");
            Assert.Single(r.StderrLines);
            Assert.Contains("character device", r.Stderr);
            Assert.Equal("character special file", HostileFiles.Kind(device));
        }
        Assert.Empty(w.TempFiles());
        Assert.DoesNotContain("out.onnx", w.Listing());
    }

    [Fact]
    public void No_verb_replaces_a_fifo_named_as_its_output_and_none_hangs_on_it()
    {
        var w = new HostileFiles();
        string fifo = w.Fifo("pipe");
        foreach (var (what, args) in w.EveryWriteAimedAt(fifo))
        {
            var r = OnnxnormProcess.Run(args);
            Assert.True(r.ExitCode == 2, $"{what}: exit {r.ExitCode}: {r.Stderr}");
            Assert.Contains("FIFO", r.Stderr);
            Assert.Equal("fifo", HostileFiles.Kind(fifo));
        }
        Assert.Empty(w.TempFiles());
    }

    [Fact]
    public void A_folder_named_as_the_output_is_refused()
    {
        var w = new HostileFiles();
        Directory.CreateDirectory(w.PathOf("sub"));
        CliAssert.BadInput(OnnxnormProcess.Run("convert", w.Model, "-o", w.PathOf("sub")), "a folder");
        Assert.Empty(Directory.GetFileSystemEntries(w.PathOf("sub")));
    }

    [Fact]
    public void Convert_inline_onto_the_inputs_own_external_data_file_is_refused_without_force()
    {
        var w = new HostileFiles();
        string ext = w.PathOf("e.onnx");
        Assert.Equal(0, OnnxnormProcess.Run("convert", w.Model, "-o", ext, "--external-data", "e.bin").ExitCode);
        byte[] data = File.ReadAllBytes(w.PathOf("e.bin"));
        CliAssert.BadInput(OnnxnormProcess.Run("convert", ext, "-o", w.PathOf("e.bin"), "--inline"), "--force");
        Assert.Equal(data, File.ReadAllBytes(w.PathOf("e.bin")));
        Assert.Equal(0, OnnxnormProcess.Run("inspect", ext).ExitCode);
    }

    [Fact]
    public void No_side_output_may_replace_a_file_the_command_reads()
    {
        var w = new HostileFiles();
        string o = w.PathOf("out.onnx");
        string hardLink = w.PathOf("alias.onnx");
        HostileFiles.Shell("ln", w.Model, hardLink);
        var attempts = new[]
        {
            new[] { "optimize", w.Model, "-o", o, "--report", w.Model },
            new[] { "optimize", w.Model, "-o", o, "--report", hardLink },
            new[] { "freeze-bn", w.Model, "-o", o, "--frozen-params", w.Model },
            new[] { "check-stats", w.Model, "--data", w.Data, "--json", w.Model },
            new[] { "check-stats", w.Model, "--data", w.Data, "--html", w.Model },
            new[] { "check-stats", w.Model, "--data", w.Data, "--json", w.Data },
            new[] { "compare", w.Model, w.Model, "--json", w.Model },
            new[] { "recalibrate", w.Model, "--data", w.Data, "-o", w.Data },
        };
        byte[] model = File.ReadAllBytes(w.Model), data = File.ReadAllBytes(w.Data);
        foreach (var args in attempts)
        {
            var r = OnnxnormProcess.Run(args);
            Assert.True(r.ExitCode == 2, $"{string.Join(' ', args)}: exit {r.ExitCode}: {r.Stderr}");
            Assert.Contains("which this command reads", r.Stderr);
            Assert.Equal(model, File.ReadAllBytes(w.Model));
            Assert.Equal(data, File.ReadAllBytes(w.Data));
        }
        Assert.DoesNotContain("out.onnx", w.Listing());
    }

    [Fact]
    public void Run_output_dir_does_not_overwrite_an_input_npy_of_the_same_name()
    {
        var w = new HostileFiles();
        string outDir = w.PathOf("outs");
        Directory.CreateDirectory(outDir);
        string input = Path.Combine(outDir, "logits.npy");
        File.Copy(w.Data, input);
        byte[] before = File.ReadAllBytes(input);
        var r = OnnxnormProcess.Run("run", w.Model, "--engine", "native", "--input", $"input={input}", "--output-dir", outDir);
        CliAssert.BadInput(r, "which this command reads");
        Assert.Equal(before, File.ReadAllBytes(input));
    }

    [Fact]
    public void A_report_is_never_written_through_a_symlink()
    {
        var w = new HostileFiles();
        string victim = Path.Combine(TestData.NewTempDir(), "victim.txt");
        File.WriteAllText(victim, "keep");
        File.CreateSymbolicLink(w.PathOf("r.json"), victim);
        CliAssert.BadInput(OnnxnormProcess.Run("optimize", w.Model, "-o", w.PathOf("out.onnx"), "--report", w.PathOf("r.json")), "symbolic link");
        Assert.Equal("keep", File.ReadAllText(victim));
        Assert.Equal("symbolic link", HostileFiles.Kind(w.PathOf("r.json")));
    }

    [Fact]
    public void A_report_into_a_missing_folder_fails_before_the_model_is_written()
    {
        var w = new HostileFiles();
        var r = OnnxnormProcess.Run("optimize", w.Model, "-o", w.PathOf("out.onnx"), "--report", w.PathOf("missing/r.json"));
        CliAssert.BadInput(r, "does not exist");
        var f = OnnxnormProcess.Run("freeze-bn", w.Model, "-o", w.PathOf("out.onnx"), "--frozen-params", w.PathOf("missing/p.txt"));
        CliAssert.BadInput(f, "does not exist");
        Assert.DoesNotContain("out.onnx", w.Listing());
        Assert.Empty(w.TempFiles());
    }

    [Fact]
    public void A_report_into_a_folder_nobody_can_write_fails_without_writing_the_model()
    {
        var w = new HostileFiles();
        // Root ignores permission bits, so as root the folder is one no process may create files in.
        string folder = HostileFiles.IsRoot ? "/proc/self" : w.PathOf("ro");
        if (!HostileFiles.IsRoot) { Directory.CreateDirectory(folder); HostileFiles.Shell("chmod", "555", folder); }
        var r = OnnxnormProcess.Run("optimize", w.Model, "-o", w.PathOf("out.onnx"), "--report", Path.Combine(folder, "r.json"));
        CliAssert.BadInput(r, "r.json");
        Assert.DoesNotContain("out.onnx", w.Listing());
        Assert.Empty(w.TempFiles());
    }

    [Theory]
    [InlineData("optimize", "--report", "r.json")]
    [InlineData("freeze-bn", "--frozen-params", "frozen.json")]
    public void A_side_output_into_a_full_folder_fails_naming_it_without_writing_the_model(string verb, string option, string file)
    {
        // A full file system needs a mount, which needs root; CI runs as root, so CI always runs this for real.
        if (!HostileFiles.IsRoot) return;
        var w = new HostileFiles();
        string full = w.PathOf("full");
        Directory.CreateDirectory(full);
        HostileFiles.Shell("mount", "-t", "tmpfs", "-o", "size=8k", "tmpfs", full);
        try
        {
            // Fill it: dd stops with "No space left on device" (exit 1), which is the point.
            var dd = Process.Start(new ProcessStartInfo("dd", new[] { "if=/dev/zero", $"of={Path.Combine(full, "filler")}", "bs=1k", "count=64" })
                { RedirectStandardError = true })!;
            dd.StandardError.ReadToEnd();
            dd.WaitForExit();
            // A training export, so freeze-bn has statistics to write (with nothing frozen its file is empty).
            string model = verb == "freeze-bn" ? RealModelCorpus.Get("conv1d_bn", "training").Path : w.Model;
            var r = OnnxnormProcess.Run(verb, model, "-o", w.PathOf("out.onnx"), option, Path.Combine(full, file));
            // Exit 2, and the error line starts with the file that could not be written, not with the model output
            // (freeze-bn's info lines about the layers it froze come before it).
            Assert.True(r.ExitCode == 2, $"exit {r.ExitCode}: {r.Stderr}");
            string error = r.Stderr.TrimEnd().Split('\n')[^1];
            Assert.StartsWith($"onnxnorm: error: {Path.Combine(full, file)}: cannot write", error);
            Assert.DoesNotContain(" at OnnxNorm.", r.Stderr);
            Assert.DoesNotContain("out.onnx", w.Listing());
            Assert.Empty(w.TempFiles());
            Assert.Equal(new[] { "filler" }, Directory.GetFileSystemEntries(full).Select(Path.GetFileName));
        }
        finally
        {
            HostileFiles.Shell("umount", full);
        }
    }

    [Fact]
    public void Every_output_is_fsynced_before_it_is_renamed_into_place()
    {
        var w = new HostileFiles();
        string trace = w.PathOf("trace.txt");
        var r = OnnxnormProcess.RunUnder(new[] { "strace", "-f", "-e", "trace=fsync,fdatasync,rename,renameat,renameat2", "-o", trace },
            "optimize", w.Model, "-o", w.PathOf("out.onnx"), "--report", w.PathOf("r.json"));
        Assert.True(r.ExitCode == 0, r.Stderr);
        var calls = File.ReadAllLines(trace).Where(l => l.Contains("fsync(") || l.Contains("rename")).ToList();
        int firstRename = calls.FindIndex(l => l.Contains("rename"));
        Assert.True(firstRename > 0, string.Join("\n", calls));
        Assert.True(calls.Take(firstRename).Count(l => l.Contains("fsync(")) >= 2, "both temp files must be synced before the first rename:\n" + string.Join("\n", calls));
        Assert.Equal(2, calls.Count(l => l.Contains("rename") && l.Contains(".tmp")));
    }
}
