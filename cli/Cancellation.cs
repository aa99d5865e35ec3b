using System.Runtime.InteropServices;
using OnnxNorm.Ir;

namespace OnnxNorm.Cli;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM during a run: every temp file the run has not renamed into place is deleted
/// (<see cref="RunFiles"/>), one line says so, and the process exits 130 or 143 as a shell would report
/// the signal. Outputs already renamed into place are complete files, so nothing half-written remains.
/// </summary>
public sealed class Cancellation : IDisposable
{
    private readonly PosixSignalRegistration[] _registrations;

    private Cancellation(PosixSignalRegistration[] registrations) => _registrations = registrations;

    public static Cancellation Install()
    {
        if (OperatingSystem.IsBrowser() || OperatingSystem.IsWasi()) return new Cancellation(Array.Empty<PosixSignalRegistration>());
        return new Cancellation(new[]
        {
            PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Stop(c, "SIGINT", 130)),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Stop(c, "SIGTERM", 143)),
        });
    }

    private static void Stop(PosixSignalContext context, string name, int exitCode)
    {
        context.Cancel = true;
        int removed = RunFiles.CancelAndDeleteTemps();
        try
        {
            Console.Error.WriteLine($"onnxnorm: interrupted by {name}; {removed} temp file(s) removed, no output was half-written");
            Console.Error.Flush();
        }
        catch (IOException) { }
        Environment.Exit(exitCode);
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
    }
}
