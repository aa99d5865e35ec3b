namespace OnnxNorm.Passes;

/// <summary>A pass left the graph broken. This is a bug in the pass, never bad user input.</summary>
public sealed class InvariantViolationException : Exception
{
    /// <summary>A broken invariant <paramref name="problem"/> left by <paramref name="pass"/>, after <paramref name="patch"/> when verify checked each patch.</summary>
    public InvariantViolationException(string? pass, string problem, string? patch = null)
        : base((pass is null ? "graph invariant broken" : $"pass '{pass}' broke a graph invariant")
            + (patch is null ? "" : $" at {patch}") + $": {problem}")
    {
        Pass = pass;
        Problem = problem;
        Patch = patch;
    }

    /// <summary>The patch after which the invariant was found broken (verify checks after every patch); null when found after a pass.</summary>
    public string? Patch { get; }

    /// <summary>The pass that broke it; null when the check ran outside a pipeline.</summary>
    public string? Pass { get; }
    /// <summary>What is broken.</summary>
    public string Problem { get; }
}
