namespace OnnxNorm.Graph;

/// <summary>
/// Writes files so that a failure never leaves a half-written file: each is written to a temp file in the
/// target folder and renamed into place only when every file of the set is complete.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, Action<Stream> write) => WriteAll(new[] { (path, write) });

    /// <summary>Writes several files; all are renamed into place only after all were written.</summary>
    public static void WriteAll(IReadOnlyList<(string Path, Action<Stream> Write)> files)
    {
        var temps = new List<(string Temp, string Final)>();
        try
        {
            foreach (var (path, write) in files)
            {
                string full = Path.GetFullPath(path);
                string dir = Path.GetDirectoryName(full)!;
                if (!Directory.Exists(dir)) throw new BadInputException($"{path}: the output folder does not exist");
                if (new FileInfo(full).LinkTarget is not null)
                    throw new BadInputException($"{path}: is a symbolic link; refusing to write through it");
                string temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
                temps.Add((temp, full));
                using var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
                write(fs);
                fs.Flush(flushToDisk: false);
            }
            foreach (var (temp, final) in temps) File.Move(temp, final, overwrite: true);
            temps.Clear();
        }
        catch (IOException e) { throw new BadInputException($"{files[0].Path}: cannot write: {e.Message}"); }
        catch (UnauthorizedAccessException e) { throw new BadInputException($"{files[0].Path}: cannot write: {e.Message}"); }
        finally
        {
            foreach (var (temp, _) in temps)
                try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
