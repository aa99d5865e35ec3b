using System.Buffers;
using System.IO.MemoryMappedFiles;
using OnnxNorm.Ir.Proto;

namespace OnnxNorm.Ir;

/// <summary>
/// Resolves and memory-maps external data files for one model. Only files inside the model's folder are
/// accepted: absolute paths, '..', symlinks that lead out, hard links, ORT's in-memory address form,
/// unknown keys and offsets/lengths outside the file are refused (the CVE classes onnx and ORT had).
/// </summary>
internal sealed class ExternalDataStore : IDisposable
{
    private static readonly HashSet<string> KnownKeys = new(StringComparer.Ordinal) { "location", "offset", "length", "checksum" };
    private readonly string _baseDir;
    private readonly string _realBaseDir;
    private readonly Dictionary<string, Mapping> _mappings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OpenedFile> _opened = new(StringComparer.Ordinal);

    public ExternalDataStore(string baseDir)
    {
        _baseDir = Path.GetFullPath(baseDir);
        _realBaseDir = LibC.RealPath(_baseDir) ?? _baseDir;
    }

    public ExternalTensor Describe(TensorProto p, string label, long expectedBytes)
    {
        string? location = null;
        long offset = 0, length = -1;
        foreach (var kv in p.ExternalData)
        {
            switch (kv.Key)
            {
                case "location": location = kv.Value; break;
                case "offset": offset = ParseNonNegative(kv.Value, "offset", label); break;
                case "length": length = ParseNonNegative(kv.Value, "length", label); break;
                case "checksum": break;
                default:
                    if (!KnownKeys.Contains(kv.Key))
                        throw new BadInputException($"{label}: unknown external_data key '{kv.Key}'");
                    break;
            }
        }
        if (string.IsNullOrEmpty(location)) throw new BadInputException($"{label}: external data has no location");
        var file = Open(location, label);
        string full = file.RealPath;
        long fileLength = file.Length;
        if (length < 0) length = fileLength - Math.Min(offset, fileLength);
        long end;
        try { end = checked(offset + length); }
        catch (OverflowException) { throw new BadInputException($"{label}: external data offset+length overflows"); }
        if (end > fileLength)
            throw new BadInputException($"{label}: external data [{offset}, {end}) runs past the end of '{location}' ({fileLength} bytes)");
        if (length != expectedBytes)
            throw new BadInputException($"{label}: external data has {length} bytes, but its dims and type need {expectedBytes}");
        if (length > int.MaxValue)
            throw new BadInputException($"{label}: a single external tensor over 2 GiB is not supported");
        return new ExternalTensor(this, location, full, offset, length);
    }

    private static long ParseNonNegative(string s, string key, string label)
    {
        if (!long.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long v))
            throw new BadInputException($"{label}: external data {key} '{s}' is not a non-negative integer");
        return v;
    }

    /// <summary>
    /// Opens the data file first, then checks what was opened (its fstat and the real path of the handle),
    /// so a symlink swapped in between a check and the open cannot redirect the read. The handle is kept
    /// and mapped; the path is never opened again.
    /// </summary>
    private OpenedFile Open(string location, string label)
    {
        if (location.Contains('\0')) throw new BadInputException($"{label}: external data location contains a NUL character");
        if (location.Contains("_ORT_MEM_ADDR_", StringComparison.Ordinal))
            throw new BadInputException($"{label}: external data location '{location}' is ONNX Runtime's in-memory address form, which is refused");
        if (Path.IsPathRooted(location) || location.StartsWith('/') || location.StartsWith('\\')
            || (location.Length >= 2 && location[1] == ':') || location.StartsWith("//", StringComparison.Ordinal))
            throw new BadInputException($"{label}: external data location '{location}' is an absolute path; only files inside the model's folder are read");
        var parts = location.Split('/', '\\');
        if (parts.Any(x => x == ".."))
            throw new BadInputException($"{label}: external data location '{location}' escapes the model's folder");
        if (_opened.TryGetValue(location, out var known)) return known;
        string full = Path.GetFullPath(Path.Combine(_baseDir, location));
        var handle = LibC.OpenRead(full, out _);
        if (handle is null) throw new BadInputException($"{label}: external data file '{location}' does not exist or cannot be opened");
        try
        {
            var status = LibC.Fstat(handle);
            if (status is not null && !status.IsRegular)
                throw new BadInputException($"{label}: external data file '{location}' is {status.Kind}, not a regular file");
            string? real = LibC.RealPathOf(handle) ?? LibC.RealPath(full);
            if (real is null || !real.StartsWith(_realBaseDir.TrimEnd('/') + "/", StringComparison.Ordinal))
                throw new BadInputException($"{label}: external data file '{location}' resolves outside the model's folder (symlink)");
            if (status is not null && status.Links > 1)
                throw new BadInputException($"{label}: external data file '{location}' has several hard links, which is refused");
            RunFiles.Read(real, $"the external data file '{location}'");
            var opened = new OpenedFile(real, handle, status?.Size ?? RandomAccess.GetLength(handle));
            _opened[location] = opened;
            return opened;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The first <paramref name="count"/> bytes of a data file (fewer if it is shorter).</summary>
    public byte[] ReadHead(string location, int count, string label)
    {
        var f = Open(location, label);
        var buf = new byte[(int)Math.Min(count, f.Length)];
        int n = RandomAccess.Read(f.Handle, buf, 0);
        return buf[..n];
    }

    public ReadOnlyMemory<byte> Map(ExternalTensor t)
    {
        if (t.Length == 0) return ReadOnlyMemory<byte>.Empty;
        if (!_mappings.TryGetValue(t.FullPath, out var m))
        {
            var f = _opened.Values.First(o => o.RealPath == t.FullPath);
            m = new Mapping(f);
            _mappings[t.FullPath] = m;
        }
        return m.Slice(t.Offset, (int)t.Length);
    }

    private sealed record OpenedFile(string RealPath, Microsoft.Win32.SafeHandles.SafeFileHandle Handle, long Length);

    public void Dispose()
    {
        foreach (var m in _mappings.Values) m.Dispose();
        _mappings.Clear();
        foreach (var f in _opened.Values) f.Handle.Dispose();
        _opened.Clear();
    }

    private sealed unsafe class Mapping : IDisposable
    {
        private readonly MemoryMappedFile _file;
        private readonly MemoryMappedViewAccessor _view;
        private readonly byte* _pointer;
        private readonly long _length;

        public Mapping(OpenedFile opened)
        {
            _length = opened.Length;
            _file = MemoryMappedFile.CreateFromFile(new FileStream(opened.Handle, FileAccess.Read, 1), null, 0, MemoryMappedFileAccess.Read,
                HandleInheritability.None, leaveOpen: true);
            _view = _file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* p = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            _pointer = p + _view.PointerOffset;
        }

        public ReadOnlyMemory<byte> Slice(long offset, int length)
        {
            if (offset + length > _length) throw new BadInputException("external data file shrank after it was checked");
            return new PointerMemoryManager(_pointer + offset, length).Memory;
        }

        public void Dispose()
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _file.Dispose();
        }
    }

    /// <summary>Exposes a mapped region as Memory without copying it.</summary>
    internal sealed unsafe class PointerMemoryManager : MemoryManager<byte>
    {
        private readonly byte* _p;
        private readonly int _length;
        public PointerMemoryManager(byte* p, int length) { _p = p; _length = length; }
        public override Span<byte> GetSpan() => new(_p, _length);
        public override MemoryHandle Pin(int elementIndex = 0) => new(_p + elementIndex);
        public override void Unpin() { }
        protected override void Dispose(bool disposing) { }

        /// <summary>Drops the resident pages wholly inside [start, start+length) (they re-read from the file if touched).</summary>
        public void DropPages(int start, int length)
        {
            long page = Environment.SystemPageSize;
            long first = ((long)(_p + start) + page - 1) / page * page;
            long end = (long)(_p + start + length) / page * page;
            if (end > first) LibC.AdviseDontNeed((nint)first, (nuint)(end - first));
        }
    }
}
