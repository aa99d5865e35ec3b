using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace OnnxNorm.Ir;

/// <summary>What stat says about a file: the identity (device and inode) that names it whatever the path, its kind, links and size.</summary>
internal sealed record FileStatus(ulong Device, ulong Inode, uint Mode, long Links, long Size)
{
    private const uint TypeMask = 0xF000;

    public bool IsRegular => (Mode & TypeMask) == 0x8000;
    public bool IsDirectory => (Mode & TypeMask) == 0x4000;
    public bool IsSymlink => (Mode & TypeMask) == 0xA000;

    /// <summary>The kind of file, for messages.</summary>
    public string Kind => (Mode & TypeMask) switch
    {
        0x8000 => "a regular file",
        0x4000 => "a folder",
        0xA000 => "a symbolic link",
        0x2000 => "a character device",
        0x6000 => "a block device",
        0x1000 => "a FIFO (named pipe)",
        0xC000 => "a socket",
        _ => "not a regular file",
    };

    public (ulong, ulong) Identity => (Device, Inode);

    // struct stat differs by architecture: x86_64 has st_nlink (8 bytes) before st_mode; the generic layout
    // (arm64) has st_mode then a 4-byte st_nlink.
    public static FileStatus FromLinuxStat(ReadOnlySpan<byte> b)
    {
        ulong dev = BinaryPrimitives.ReadUInt64LittleEndian(b);
        ulong ino = BinaryPrimitives.ReadUInt64LittleEndian(b[8..]);
        if (RuntimeInformation.ProcessArchitecture == Architecture.X64)
            return new FileStatus(dev, ino, BinaryPrimitives.ReadUInt32LittleEndian(b[24..]),
                BinaryPrimitives.ReadInt64LittleEndian(b[16..]), BinaryPrimitives.ReadInt64LittleEndian(b[48..]));
        return new FileStatus(dev, ino, BinaryPrimitives.ReadUInt32LittleEndian(b[16..]),
            BinaryPrimitives.ReadUInt32LittleEndian(b[20..]), BinaryPrimitives.ReadInt64LittleEndian(b[48..]));
    }
}
