using Microsoft.Win32.SafeHandles;

namespace OnnxNorm.Ir;

/// <summary>
/// The one way a file the command reads is opened: open first (never blocking on a FIFO without a writer),
/// then ask the open handle what it is. Regular files and pipes (`inspect &lt;(cat m.onnx)`) are read;
/// folders, devices and sockets are refused. Every file opened is recorded in <see cref="RunFiles"/>, so no
/// output can replace it.
/// </summary>
public static class InputFile
{
    /// <summary>Pipes are read into memory; past this they are refused (a protobuf model cannot be larger).</summary>
    public const long MaxPipeBytes = 2L << 30;

    /// <summary>Opens <paramref name="path"/>; <paramref name="isPipe"/> says the stream cannot seek (read it to the end).</summary>
    public static FileStream OpenRead(string path, string role, out bool isPipe)
    {
        if (Directory.Exists(path)) throw new BadInputException($"{path}: is a folder, not {role}");
        var handle = LibC.OpenRead(path, out int errno);
        if (handle is null)
        {
            if (!File.Exists(path) && LibC.Lstat(path) is null) throw new BadInputException($"{path}: file not found");
            throw new BadInputException($"{path}: cannot open {role} (errno {errno})");
        }
        var status = LibC.Fstat(handle);
        isPipe = status is not null && (status.Mode & 0xF000) == 0x1000;
        if (status is not null && !status.IsRegular && !isPipe)
        {
            handle.Dispose();
            throw new BadInputException($"{path}: is {status.Kind}, not {role}");
        }
        RunFiles.Read(path, role);
        try { return new FileStream(handle, FileAccess.Read, 1 << 16); }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Reads a stream (a pipe, or a small file) to its end, refusing more than <paramref name="cap"/> bytes.</summary>
    public static byte[] ReadToEnd(Stream s, string label, long cap = MaxPipeBytes)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[1 << 16];
        int n;
        while ((n = s.Read(chunk)) > 0)
        {
            if (buffer.Length + n > cap) throw new BadInputException($"{label}: holds more than {cap:N0} bytes");
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }
}
