namespace OnnxNorm.Ir;

/// <summary>
/// A tensor whose bytes live in a file beside the model. The reference is checked when the model loads;
/// the bytes are memory-mapped only when first read.
/// </summary>
public sealed class ExternalTensor
{
    private readonly ExternalDataStore _store;

    internal ExternalTensor(ExternalDataStore store, string location, string fullPath, long offset, long length)
    {
        _store = store;
        Location = location;
        FullPath = fullPath;
        Offset = offset;
        Length = length;
    }

    /// <summary>The location as written in the model, relative to the model's folder.</summary>
    public string Location { get; }
    /// <summary>The absolute path of the external data file.</summary>
    public string FullPath { get; }
    /// <summary>The tensor's first byte in that file.</summary>
    public long Offset { get; }
    /// <summary>The tensor's length in bytes.</summary>
    public long Length { get; }

    internal ReadOnlyMemory<byte> Map() => _store.Map(this);
}
