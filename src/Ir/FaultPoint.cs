namespace OnnxNorm.Ir;

/// <summary>
/// A test hook for crash consistency: with ONNXNORM_FAULT_AFTER_STEP=k the process kills itself (SIGKILL,
/// no clean-up, like a power cut or kill -9) right after the k-th step of a save (a temp file written and
/// synced, or a file renamed into place). Tests loop k over every step and check what a later load sees.
/// </summary>
internal static class FaultPoint
{
    public const string Variable = "ONNXNORM_FAULT_AFTER_STEP";
    private static readonly int KillAfter = int.TryParse(Environment.GetEnvironmentVariable(Variable), out int k) ? k : 0;
    private static int _steps;

    public static void Step()
    {
        if (KillAfter <= 0) return;
        if (Interlocked.Increment(ref _steps) == KillAfter) System.Diagnostics.Process.GetCurrentProcess().Kill();
    }
}
