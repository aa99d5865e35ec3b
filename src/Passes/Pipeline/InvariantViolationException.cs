namespace OnnxNorm.Passes;

/// <summary>A pass left the graph broken. This is a bug in the pass, never bad user input.</summary>
public sealed class InvariantViolationException : Exception
{
    /// <summary>A broken invariant <paramref name="problem"/> left by <paramref name="pass"/>.</summary>
    public InvariantViolationException(string? pass, string problem)
        : base(pass is null ? $"graph invariant broken: {problem}" : $"pass '{pass}' broke a graph invariant: {problem}")
    {
        Pass = pass;
        Problem = problem;
    }

    /// <summary>The pass that broke it; null when the check ran outside a pipeline.</summary>
    public string? Pass { get; }
    /// <summary>What is broken.</summary>
    public string Problem { get; }
}
