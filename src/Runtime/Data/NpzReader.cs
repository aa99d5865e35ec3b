using System.IO.Compression;
using OnnxNorm.Ir;

namespace OnnxNorm.Runtime.Data;

/// <summary>
/// NumPy's .npz: a zip archive of .npy entries (stored or deflated). Entries are read one at a time, in
/// archive order, so a large archive never has to fit in memory at once.
/// </summary>
public static class NpzReader
{
    /// <summary>Entry names (without ".npy") in archive order.</summary>
    public static IReadOnlyList<string> EntryNames(string path)
    {
        using var zip = Open(path);
        return NpyEntries(zip, path).Select(e => Path.GetFileNameWithoutExtension(e.FullName)).ToList();
    }

    /// <summary>Streams the arrays of the archive, in archive order, with their entry names.</summary>
    public static IEnumerable<(string Name, TensorValue Value)> Read(string path)
    {
        using var zip = Open(path);
        foreach (var entry in NpyEntries(zip, path))
        {
            TensorValue value;
            string label = $"{path}:{entry.FullName}";
            CheckNotABomb(entry, label);
            try
            {
                using var s = entry.Open();
                value = NpyFile.Read(s, label, entry.Length);
            }
            catch (InvalidDataException e) { throw new BadInputException($"{label}: corrupt zip entry: {e.Message}"); }
            yield return (Path.GetFileNameWithoutExtension(entry.FullName), value);
        }
    }

    /// <summary>Entries past this size must compress like data, not like a zip bomb.</summary>
    public const long BombCheckBytes = 16L << 20;
    /// <summary>The largest uncompressed-to-compressed ratio accepted for an entry past <see cref="BombCheckBytes"/>.</summary>
    public const long MaxCompressionRatio = 100;

    // A 1 MB archive can expand to gigabytes of zeros; each entry is checked before it is inflated: its
    // declared size against the tensor cap, and a large entry's compression ratio against what real data reaches.
    private static void CheckNotABomb(ZipArchiveEntry entry, string label)
    {
        long cap = LoadLimits.Default.MaxTensorBytes;
        if (entry.Length > cap + 4096)
            throw new BadInputException($"{label}: the entry inflates to {entry.Length:N0} bytes, over the {cap:N0}-byte limit ({LoadLimits.MaxTensorBytesVariable})");
        if (entry.Length > BombCheckBytes && entry.Length > MaxCompressionRatio * Math.Max(1, entry.CompressedLength))
            throw new BadInputException($"{label}: the entry inflates {entry.Length / Math.Max(1, entry.CompressedLength):N0}-fold ({entry.CompressedLength:N0} -> {entry.Length:N0} bytes), which only a zip bomb does; refused");
    }

    private static List<ZipArchiveEntry> NpyEntries(ZipArchive zip, string path)
    {
        List<ZipArchiveEntry> entries;
        // The central directory is read lazily, on first access to Entries: a corrupt one throws here.
        try { entries = zip.Entries.Where(e => e.FullName.EndsWith(".npy", StringComparison.OrdinalIgnoreCase)).ToList(); }
        catch (InvalidDataException e) { throw new BadInputException($"{path}: corrupt .npz (zip) archive: {e.Message}"); }
        if (entries.Count == 0) throw new BadInputException($"{path}: the .npz archive holds no .npy entries");
        return entries;
    }

    private static ZipArchive Open(string path)
    {
        try
        {
            var fs = InputFile.OpenRead(path, "a .npz archive", out bool isPipe);
            Stream s = fs;
            if (isPipe) { s = new MemoryStream(InputFile.ReadToEnd(fs, path)); fs.Dispose(); }
            return new ZipArchive(s, ZipArchiveMode.Read, leaveOpen: false);
        }
        catch (InvalidDataException e) { throw new BadInputException($"{path}: not a .npz (zip) archive: {e.Message}"); }
        catch (IOException e) { throw new BadInputException($"{path}: cannot read: {e.Message}"); }
    }
}
