namespace OnnxNorm.Ir;

/// <summary>
/// The one way anything is written. Every target is checked before the first byte of any of them is
/// written: its folder exists and is writable; it is not a symbolic link (never written through); if it
/// exists it is a regular file (a device, FIFO, socket or folder is never replaced); and it is not a file
/// the command reads (by real path and by device and inode, see <see cref="RunFiles"/>) unless --force.
/// Each file goes to a temp file in its target folder, is fsynced, and is renamed into place only when
/// all were written; a target that did not exist is created with a rename that never replaces, so two
/// concurrent writers cannot both create it. Temp files are registered so cancellation removes them.
/// </summary>
public static class OutputPolicy
{
    /// <summary>Checks one target now (commands call this up front, before any work); throws <see cref="BadInputException"/>.</summary>
    public static void Check(string path, string role, bool force, bool mustBeNew = false) => CheckTarget(new OutputFile(path, role, _ => { }, mustBeNew), force);

    /// <summary>Creates an output folder if it is missing; refuses a path that exists as something else.</summary>
    public static void EnsureFolder(string dir)
    {
        if (Directory.Exists(dir)) return;
        if (File.Exists(dir) || LibC.Lstat(dir) is not null) throw new BadInputException($"{dir}: exists and is not a folder");
        try { Directory.CreateDirectory(dir); }
        catch (IOException e) { throw new BadInputException($"{dir}: cannot create the output folder: {TerminalText.OneLine(e.Message)}"); }
        catch (UnauthorizedAccessException e) { throw new BadInputException($"{dir}: cannot create the output folder: {TerminalText.OneLine(e.Message)}"); }
    }

    /// <summary>Writes one file atomically (temporary file, then rename); <paramref name="role"/> names it in errors; refuses to overwrite unless <paramref name="force"/>.</summary>
    public static void Write(string path, string role, bool force, Action<Stream> write) =>
        WriteAll(new[] { new OutputFile(path, role, write) }, force);

    /// <summary>Writes several files as one step: all are checked, then written, then renamed into place in order.</summary>
    public static void WriteAll(IReadOnlyList<OutputFile> files, bool force)
    {
        var targets = new List<(OutputFile File, string Full, bool Existed)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in files)
        {
            var (full, existed) = CheckTarget(f, force);
            if (!seen.Add(full)) throw new BadInputException($"{f.Path}: is written twice by this command ({f.Role} and another output)");
            targets.Add((f, full, existed));
        }

        var temps = new List<string>();
        var current = files[0];   // the file being written when an I/O error hits: the message names it
        try
        {
            foreach (var (f, full, _) in targets)
            {
                current = f;
                string temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
                RunFiles.AddTemp(temp);
                temps.Add(temp);
                using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
                {
                    f.Write(fs);
                    fs.Flush(flushToDisk: true);
                }
                FaultPoint.Step();
            }
            for (int i = 0; i < targets.Count; i++)
            {
                var (f, full, existed) = targets[i];
                current = f;
                // Checked again at the last moment: something may have been put there while we wrote.
                var now = LibC.Lstat(full);
                if (now is not null && !now.IsRegular) throw NotRegular(f, now);
                if (now is null || !existed)
                {
                    if (!LibC.RenameNoReplace(temps[i], full))
                        throw new BadInputException($"{f.Path}: {f.Role} appeared while this command was writing it (another process writes it too); nothing was replaced");
                }
                else File.Move(temps[i], full, overwrite: true);
                RunFiles.RemoveTemp(temps[i]);
                FaultPoint.Step();
            }
            foreach (var dir in targets.Select(t => Path.GetDirectoryName(t.Full)!).Distinct(StringComparer.Ordinal)) LibC.FsyncFolder(dir);
            temps.Clear();
        }
        catch (IOException e) { throw new BadInputException($"{current.Path}: cannot write {current.Role}: {TerminalText.OneLine(e.Message)}"); }
        catch (UnauthorizedAccessException e) { throw new BadInputException($"{current.Path}: cannot write {current.Role}: {TerminalText.OneLine(e.Message)}"); }
        finally
        {
            foreach (var temp in temps)
            {
                try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                RunFiles.RemoveTemp(temp);
            }
        }
    }

    private static (string Full, bool Existed) CheckTarget(OutputFile f, bool force)
    {
        if (string.IsNullOrWhiteSpace(f.Path)) throw new BadInputException($"{f.Role}: the output path is empty");
        if (f.Path.Contains('\0')) throw new BadInputException($"{f.Role}: the output path contains a NUL character");
        string full = Path.GetFullPath(f.Path);
        if (full.EndsWith('/') || Path.GetFileName(full).Length == 0) throw new BadInputException($"{f.Path}: {f.Role} names a folder, not a file");
        string dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir)) throw new BadInputException($"{f.Path}: the output folder '{dir}' does not exist");
        if (!LibC.CanWrite(dir)) throw new BadInputException($"{f.Path}: the output folder '{dir}' is not writable");
        var status = LibC.Lstat(full);
        if (status is null)
        {
            if (File.Exists(full) || Directory.Exists(full)) status = LibC.Stat(full); // non-Linux: no lstat
            if (status is null) return (full, File.Exists(full));
        }
        if (status.IsSymlink) throw new BadInputException($"{f.Path}: {f.Role} is a symbolic link; refusing to write through it");
        if (!status.IsRegular) throw NotRegular(f, status);
        if (!force && RunFiles.ReadAs(full, status) is { } read)
            throw new BadInputException($"{f.Path}: is {read}, which this command reads; refusing to overwrite it with {f.Role} (use --force)");
        if (!force && f.MustBeNew)
            throw new BadInputException($"{f.Path}: already exists; {f.Role} is never written over an existing file (use --force to replace it)");
        return (full, true);
    }

    private static BadInputException NotRegular(OutputFile f, FileStatus status) =>
        new($"{f.Path}: is {status.Kind}, not a regular file; refusing to replace it with {f.Role}");
}
