using System.IO.Compression;
using OnnxNorm.Runtime;
using OnnxNorm.Runtime.Data;

namespace OnnxNorm.Stats.Tests;

/// <summary>Writes .npz archives the way numpy.savez does: one NAME.npy entry per array.</summary>
public static class NpzTestFiles
{
    public static void Write(string path, IReadOnlyList<(string Name, TensorValue Value)> arrays, bool compressed = false)
    {
        using var fs = File.Create(path);
        using var zip = new ZipArchive(fs, ZipArchiveMode.Create);
        foreach (var (name, value) in arrays)
        {
            var entry = zip.CreateEntry(name + ".npy", compressed ? CompressionLevel.Optimal : CompressionLevel.NoCompression);
            using var s = entry.Open();
            NpyFile.Write(s, value);
        }
    }
}
