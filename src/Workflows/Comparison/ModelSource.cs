using OnnxNorm.Ir;

namespace OnnxNorm.Workflows.Comparison;

/// <summary>A model to compare: a file, or bytes in memory (e.g. a pass's result before it is saved).</summary>
public sealed class ModelSource
{
    private ModelSource(string label, string? path, byte[]? bytes)
    {
        Label = label;
        Path = path;
        Bytes = bytes;
    }

    /// <summary>The name used in reports.</summary>
    public string Label { get; }
    /// <summary>The file, when the model comes from one.</summary>
    public string? Path { get; }
    /// <summary>The serialised model, when it comes from memory.</summary>
    public byte[]? Bytes { get; }

    /// <summary>A model in the file at <paramref name="path"/>.</summary>
    public static ModelSource FromFile(string path) => new(System.IO.Path.GetFileName(path), path, null);

    /// <summary>A serialised model in memory.</summary>
    public static ModelSource FromBytes(byte[] bytes, string label = "model") => new(label, null, bytes);

    /// <summary>A model in memory, serialised now.</summary>
    public static ModelSource FromModel(Model model, string label) => new(label, null, ModelSaver.ToBytes(model));

    /// <summary>Loads the model (the caller disposes it).</summary>
    public Model Load() => Path is not null ? ModelLoader.Load(Path) : ModelLoader.Load(Bytes!, Label);

    /// <summary>The serialised model.</summary>
    public byte[] ReadBytes() => Bytes ?? File.ReadAllBytes(Path!);
}
