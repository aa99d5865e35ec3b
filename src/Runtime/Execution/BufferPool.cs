using OnnxNorm.Ir;

namespace OnnxNorm.Runtime.Execution;

/// <summary>
/// Run-time buffers, reused by element type and element count, with caps on a single tensor and on the
/// total of live and pooled buffers. Not thread-safe: one per run.
/// </summary>
internal sealed class BufferPool
{
    private readonly Dictionary<(ElementType, int), Stack<Array>> _free = new();
    private readonly long _maxTensorBytes;
    private readonly long _maxTotalBytes;
    private long _totalBytes;

    public BufferPool(long maxTensorBytes, long maxTotalBytes)
    {
        _maxTensorBytes = maxTensorBytes;
        _maxTotalBytes = maxTotalBytes;
    }

    /// <summary>A tensor of the shape. A recycled buffer keeps its old contents unless <paramref name="zeroed"/>:
    /// operators write every element of their outputs, those that accumulate ask for zeros.</summary>
    public TensorValue Rent(ElementType type, long[] shape, string what, bool zeroed = false)
    {
        int n = TensorValue.ElementCount(shape, what);
        if (type == ElementType.String) return TensorValue.Wrap(type, shape, new string[n]);
        long bytes = Math.Max(1, type.ByteCount(n));
        if (bytes > _maxTensorBytes)
            throw new BadInputException($"{what}: a {type.Name()}[{string.Join(',', shape)}] tensor needs {bytes:N0} bytes, more than the cap of {_maxTensorBytes:N0} bytes per tensor");
        if (_free.TryGetValue((type, n), out var stack) && stack.Count > 0)
        {
            var buf = stack.Pop();
            if (zeroed) Array.Clear(buf);
            return TensorValue.Wrap(type, shape, buf);
        }
        if (_totalBytes + bytes > _maxTotalBytes)
            throw new BadInputException($"{what}: running the model needs more than the cap of {_maxTotalBytes:N0} bytes of tensors");
        _totalBytes += bytes;
        return TensorValue.Allocate(type, shape);
    }

    public void Return(TensorValue v)
    {
        if (v.ElementType == ElementType.String || v.Buffer.Length != v.Length) return;
        if (!_free.TryGetValue((v.ElementType, v.Length), out var stack))
            _free[(v.ElementType, v.Length)] = stack = new Stack<Array>();
        stack.Push(v.Buffer);
    }

    /// <summary>A buffer handed to the caller leaves the pool's accounting.</summary>
    public void Forget(TensorValue v) => _totalBytes -= Math.Max(1, v.ElementType.ByteCount(v.Length));
}
