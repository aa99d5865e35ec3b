using System.Buffers;
using System.IO.MemoryMappedFiles;
using OnnxNorm.Graph.Proto;

namespace OnnxNorm.Graph;

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
        string full = ResolveLocation(location, label);
        long fileLength = new FileInfo(full).Length;
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

    private string ResolveLocation(string location, string label)
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
        string full = Path.GetFullPath(Path.Combine(_baseDir, location));
        if (!File.Exists(full))
            throw new BadInputException($"{label}: external data file '{location}' does not exist");
        string? real = LibC.RealPath(full);
        if (real is null || !real.StartsWith(_realBaseDir.TrimEnd('/') + "/", StringComparison.Ordinal))
            throw new BadInputException($"{label}: external data file '{location}' resolves outside the model's folder (symlink)");
        if (LibC.HardLinkCount(real) > 1)
            throw new BadInputException($"{label}: external data file '{location}' has several hard links, which is refused");
        return real;
    }

    public ReadOnlyMemory<byte> Map(ExternalTensor t)
    {
        if (t.Length == 0) return ReadOnlyMemory<byte>.Empty;
        if (!_mappings.TryGetValue(t.FullPath, out var m))
        {
            m = new Mapping(t.FullPath);
            _mappings[t.FullPath] = m;
        }
        return m.Slice(t.Offset, (int)t.Length);
    }

    public void Dispose()
    {
        foreach (var m in _mappings.Values) m.Dispose();
        _mappings.Clear();
    }

    private sealed unsafe class Mapping : IDisposable
    {
        private readonly MemoryMappedFile _file;
        private readonly MemoryMappedViewAccessor _view;
        private readonly byte* _pointer;
        private readonly long _length;

        public Mapping(string path)
        {
            _length = new FileInfo(path).Length;
            _file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
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
    private sealed unsafe class PointerMemoryManager : MemoryManager<byte>
    {
        private readonly byte* _p;
        private readonly int _length;
        public PointerMemoryManager(byte* p, int length) { _p = p; _length = length; }
        public override Span<byte> GetSpan() => new(_p, _length);
        public override MemoryHandle Pin(int elementIndex = 0) => new(_p + elementIndex);
        public override void Unpin() { }
        protected override void Dispose(bool disposing) { }
    }
}
