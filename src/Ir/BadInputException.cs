namespace OnnxNorm.Ir;

/// <summary>
/// The input (a model file, a tensor, an option) is wrong. The message is one line that names the
/// file, node or tensor; the CLI prints it and exits with code 2.
/// </summary>
public class BadInputException : Exception
{
    public BadInputException(string message) : base(message) { }
    public BadInputException(string message, Exception inner) : base(message, inner) { }
}
