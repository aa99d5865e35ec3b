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

    public string Label { get; }
    public string? Path { get; }
    public byte[]? Bytes { get; }

    public static ModelSource FromFile(string path) => new(System.IO.Path.GetFileName(path), path, null);

    public static ModelSource FromBytes(byte[] bytes, string label = "model") => new(label, null, bytes);

    public static ModelSource FromModel(Model model, string label) => new(label, null, ModelSaver.ToBytes(model));

    public Model Load() => Path is not null ? ModelLoader.Load(Path) : ModelLoader.Load(Bytes!, Label);

    public byte[] ReadBytes() => Bytes ?? File.ReadAllBytes(Path!);
}
