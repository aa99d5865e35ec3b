namespace OnnxNorm.TestModels;

/// <summary>Large models are generated into a cache on first use instead of being committed.</summary>
public static class GeneratedModels
{
    private static readonly object Gate = new();

    /// <summary>Path of the ResNet-18-class model in <paramref name="cacheDir"/>, generated if missing.</summary>
    public static string ResNet18Like(string cacheDir)
    {
        string path = Path.Combine(cacheDir, "resnet18_like.onnx");
        lock (Gate)
        {
            if (File.Exists(path)) return path;
            Directory.CreateDirectory(cacheDir);
            string temp = path + $".{Environment.ProcessId}.tmp";
            CnnModels.ResNet18Like().Save(temp);
            File.Move(temp, path, overwrite: true);
        }
        return path;
    }
}
