namespace OnnxNorm.Ir;

/// <summary>
/// One file a command writes: where, what it is (for messages: "the output model", "the --report file"),
/// how its bytes are produced, and whether it must not exist yet (external data is never written over an
/// existing file without --force).
/// </summary>
public sealed record OutputFile(string Path, string Role, Action<Stream> Write, bool MustBeNew = false);
