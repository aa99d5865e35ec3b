namespace OnnxNorm.Passes;

/// <summary>A pass left the graph broken. This is a bug in the pass, never bad user input.</summary>
public sealed class InvariantViolationException : Exception
{
    public InvariantViolationException(string? pass, string problem)
        : base(pass is null ? $"graph invariant broken: {problem}" : $"pass '{pass}' broke a graph invariant: {problem}")
    {
        Pass = pass;
        Problem = problem;
    }

    public string? Pass { get; }
    public string Problem { get; }
}
