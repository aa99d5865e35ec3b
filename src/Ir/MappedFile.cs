using System.Buffers;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace OnnxNorm.Ir;

/// <summary>
/// A read-only memory map of a whole file, exposed as <see cref="ReadOnlyMemory{T}"/> without copying.
/// The map lives as long as any memory cut from it is reachable (the view's SafeHandle unmaps it when
/// collected), so a tensor can never outlive the bytes it points at, whatever is disposed first.
/// </summary>
internal sealed unsafe class MappedFile : MemoryManager<byte>
{
    // Held only to keep the map alive: its SafeHandle unmaps when this manager is collected.
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _pointer;
    private readonly int _length;

    private MappedFile(MemoryMappedViewAccessor view, byte* pointer, int length)
    {
        _view = view;
        _pointer = pointer;
        _length = length;
    }

    /// <summary>
    /// Maps the file open in <paramref name="stream"/>, or returns null where it cannot be mapped (0 bytes, over 2 GiB, which is
    /// protobuf's own limit, or a file the kernel will not map) and must be read as a stream.
    /// </summary>
    public static MappedFile? TryOpen(FileStream stream)
    {
        try { return Open(stream); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
        catch (ArgumentException) { return null; }
    }

    private static MappedFile? Open(FileStream stream)
    {
        using var file = MemoryMappedFile.CreateFromFile(
            stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        var view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        long length = view.Capacity;
        if (length <= 0 || length > int.MaxValue) { view.Dispose(); return null; }
        // No AcquirePointer: its reference count would keep the finalizer from ever unmapping. The view
        // stays reachable through this manager for as long as any memory cut from it is.
        byte* p = (byte*)view.SafeMemoryMappedViewHandle.DangerousGetHandle();
        return new MappedFile(view, p + view.PointerOffset, (int)length);
    }

    public int Length => _length;

    public override Span<byte> GetSpan() => new(_pointer, _length);
    public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);
    public override void Unpin() { }

    // The view is released by its SafeHandle's finalizer once no memory from this map is reachable.
    protected override void Dispose(bool disposing) { }

    /// <summary>
    /// Tells the kernel the pages of [start, start+length) are not needed now. They are dropped from
    /// memory and read again from the file if touched, so this is always safe, never a change of data.
    /// </summary>
    public void DropPages(int start, int length)
    {
        if (!OperatingSystem.IsLinux()) return;
        long page = Environment.SystemPageSize;
        long first = ((long)(_pointer + start) + page - 1) / page * page;
        long end = (long)(_pointer + start + length) / page * page;
        if (end > first) LibC.AdviseDontNeed((nint)first, (nuint)(end - first));
    }

    /// <summary>Drops the resident pages behind <paramref name="memory"/> if it was cut from a map; otherwise does nothing.</summary>
    public static void DropPages(ReadOnlyMemory<byte> memory)
    {
        if (MemoryMarshal.TryGetMemoryManager(memory, out MappedFile? map, out int start, out int length))
            map.DropPages(start, length);
        else if (MemoryMarshal.TryGetMemoryManager(memory, out ExternalDataStore.PointerMemoryManager? external, out start, out length))
            external.DropPages(start, length);
    }
}
