namespace OnnxNorm.Ir;

/// <summary>
/// The input (a model file, a tensor, an option) is wrong. The message is one line that names the
/// file, node or tensor; the CLI prints it and exits with code 2.
/// </summary>
public class BadInputException : Exception
{
    /// <summary>A bad-input error: <paramref name="message"/> is one line naming the file, node or tensor.</summary>
    public BadInputException(string message) : base(message) { }
    /// <summary>The same, keeping the exception that revealed the problem.</summary>
    public BadInputException(string message, Exception inner) : base(message, inner) { }
}
