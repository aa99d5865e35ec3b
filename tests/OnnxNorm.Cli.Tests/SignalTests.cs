using System.Diagnostics;
using System.Runtime.InteropServices;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Cli.Tests;

/// <summary>
/// Issue 14, item 7: SIGINT and SIGTERM during a save remove every temp file of the run and exit 130/143
/// with one line. The signal is sent while a temp file of a large model's save is seen on disk.
/// </summary>
public class SignalTests
{
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private const int SigInt = 2, SigTerm = 15;

    // The same path for both signals (the exit code differs): the fast loop runs SIGTERM, the full suite both.
    [Trait("Category", "Slow")]
    [Fact]
    public Task A_sigint_during_the_save_of_a_large_model_leaves_no_temp_file_and_exits_with_130() =>
        A_signal_during_the_save_of_a_large_model_leaves_no_temp_file_and_exits_with_the_signal_code(SigInt, 130);

    [Theory]
    [InlineData(SigTerm, 143)]
    public async Task A_signal_during_the_save_of_a_large_model_leaves_no_temp_file_and_exits_with_the_signal_code(int signal, int expectedExit)
    {
        string dir = TestData.NewTempDir();
        string model = LargeModels.AddWithBigWeight(dir, "big.onnx", 384);
        string outDir = Path.Combine(dir, "out");
        Directory.CreateDirectory(outDir);
        int interrupted = 0;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            using var p = OnnxnormProcess.Start(new Dictionary<string, string>(), Array.Empty<string>(),
                "convert", model, "-o", Path.Combine(outDir, $"o{attempt}.onnx"), "--external-data", $"o{attempt}.bin");
            var stderr = p.StandardError.ReadToEndAsync();
            var stdout = p.StandardOutput.ReadToEndAsync();
            var clock = Stopwatch.StartNew();
            bool sent = false;
            while (!p.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                if (Directory.GetFiles(outDir, ".*.tmp").Length > 0)
                {
                    Assert.Equal(0, Kill(p.Id, signal));
                    sent = true;
                    break;
                }
                Thread.Sleep(1);
            }
            Assert.True(p.WaitForExit(60_000), "the process did not end after the signal");
            if (!sent) continue; // the save finished between two polls: try again
            interrupted++;
            string err = await stderr;
            await stdout;
            Assert.True(p.ExitCode == expectedExit, $"exit {p.ExitCode}: {err}");
            Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("interrupted", err);
            Assert.Empty(Directory.GetFiles(outDir, ".*.tmp"));
        }
        Assert.True(interrupted > 0, "no run was caught mid-save");
    }
}
