using OnnxNorm.TestSupport;
using Xunit;

namespace OnnxNorm.Ir.Tests;

// The suite's own disk hygiene: a run that leaves gigabytes behind fills the machine within a few dozen runs.
public class TestTempRootTests
{
    [Fact]
    public void A_root_left_by_an_ended_process_is_removed_and_a_live_processes_root_is_kept()
    {
        string parent = Path.GetDirectoryName(TestTempRoot.Current)!;
        string ended = Path.Combine(parent, $"{int.MaxValue - 7}-left-behind");   // no process has this id
        Directory.CreateDirectory(Path.Combine(ended, "model", "read-only"));
        File.WriteAllText(Path.Combine(ended, "model", "m.onnx"), "x");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(Path.Combine(ended, "model"), UnixFileMode.UserRead | UnixFileMode.UserExecute);

        TestTempRoot.SweepRootsOfEndedProcesses();

        Assert.False(Directory.Exists(ended));
        Assert.True(Directory.Exists(TestTempRoot.Current));
    }
}
