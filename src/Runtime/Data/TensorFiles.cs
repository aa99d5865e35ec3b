using OnnxNorm.Ir;

namespace OnnxNorm.Runtime.Data;

/// <summary>Reads a tensor from .npy or .pb, chosen by the file extension.</summary>
public static class TensorFiles
{
    /// <summary>Reads a tensor file by its extension: .npy, or .pb (a TensorProto).</summary>
    /// <exception cref="BadInputException">An unknown extension or a bad file.</exception>
    public static TensorValue Read(string path)
    {
        string ext = Path.GetExtension(path).ToLowerInvariant();
        return ext switch
        {
            ".npy" => NpyFile.Read(path),
            ".pb" => TensorProtoFile.Read(path),
            _ => throw new BadInputException($"{path}: unknown tensor file type '{ext}' (use .npy or .pb)"),
        };
    }
}
