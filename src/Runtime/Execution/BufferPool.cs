using System.Runtime.InteropServices;
using OnnxNorm.Ir;

namespace OnnxNorm.Runtime.Execution;

/// <summary>
/// Run-time buffers, with caps on a single tensor and on the total of live and pooled buffers. Not thread-safe:
/// one per session, runs serialised.
/// <para>
/// A buffer may be longer than the tensor it holds (<see cref="TensorValue"/> allows it), so tensors of different
/// sizes share buffers. Every run records its requests and their lifetimes; after a run that did not follow a plan
/// (the first, or one whose requests changed, e.g. another input shape) the pool makes a <see cref="MemoryPlan"/>
/// from that record, and the next runs take each request's buffer from it: values whose lifetimes overlap never
/// share a buffer, and a model needs about its peak of live values, not one buffer per tensor size it ever used.
/// A run whose requests leave the plan falls back to the smallest free buffer that fits. The first plan lets go
/// of the first run's buffers it does not use; later plans keep them.
/// </para>
/// </summary>
internal sealed class BufferPool
{
    private sealed class Pooled(Array array, ElementType type)
    {
        public Array Array { get; } = array;
        public ElementType Type { get; } = type;
        public int Capacity => Array.Length;
        public bool Busy { get; set; }
        /// <summary>The request of the current run that holds it (index into the run's record).</summary>
        public int Request { get; set; } = -1;
    }

    private readonly Dictionary<Array, Pooled> _known = new(ReferenceEqualityComparer.Instance);
    private readonly List<Pooled> _free = new();
    private readonly List<RentEvent> _record = new();
    private readonly long _maxTensorBytes;
    private readonly long _maxTotalBytes;
    private long _totalBytes;
    private int _clock;
    private MemoryPlan? _plan;
    // The buffer of each of the plan's buffers, made on its first use (a session run once never makes them).
    private Pooled?[] _assigned = Array.Empty<Pooled?>();
    private bool _onPlan;
    private bool _plannedOnce;

    public BufferPool(long maxTensorBytes, long maxTotalBytes)
    {
        _maxTensorBytes = maxTensorBytes;
        _maxTotalBytes = maxTotalBytes;
    }

    /// <summary>The plan the runs follow (null before the first run ends).</summary>
    internal MemoryPlan? Plan => _plan;

    /// <summary>Bytes of the buffers the pool holds (pooled and live, outputs handed out excluded).</summary>
    internal long PooledBytes => _known.Values.Sum(p => Math.Max(1, p.Type.ByteCount(p.Capacity)));

    /// <summary>The requests of the last run, in order.</summary>
    internal IReadOnlyList<RentEvent> LastRun => _record;

    /// <summary>Whether the last run took every buffer from the plan.</summary>
    internal bool LastRunFollowedPlan { get; private set; }

    /// <summary>Fills every free buffer with garbage (NaN, or all bits set): tests check that no operator reads a
    /// buffer past its tensor's length or leaves part of its output unwritten.</summary>
    internal void Scribble()
    {
        foreach (var p in _free)
            switch (p.Array)
            {
                case float[] a: a.AsSpan().Fill(float.NaN); break;
                case double[] a: a.AsSpan().Fill(double.NaN); break;
                case Half[] a: a.AsSpan().Fill(Half.NaN); break;
                case bool[] a: a.AsSpan().Fill(true); break;
                default: MemoryMarshal.CreateSpan(ref MemoryMarshal.GetArrayDataReference(p.Array), System.Buffer.ByteLength(p.Array)).Fill(0xA5); break;
            }
    }

    public void BeginRun()
    {
        _record.Clear();
        _clock = 0;
        _onPlan = _plan is not null;
    }

    /// <summary>Ends a run. A run that completed but did not follow the plan becomes the new plan.</summary>
    public void EndRun(bool completed)
    {
        LastRunFollowedPlan = completed && _onPlan && _record.Count == _plan!.Events.Length;
        // A buffer still held belongs to a run that failed or to a caller: the pool lets go of it.
        foreach (var p in _known.Values.Where(p => p.Busy).ToArray()) Drop(p);
        foreach (var p in _known.Values) p.Request = -1;
        if (!completed || LastRunFollowedPlan) return;
        bool first = !_plannedOnce;
        _plannedOnce = true;
        // Later plans (another input shape, another If branch) keep the spare buffers, so runs that alternate
        // between two plans do not allocate and drop buffers every time.
        Replan(dropSpare: first);
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
        int request = _record.Count;
        var p = FromPlan(request, type, n) ?? BestFit(type, n);
        if (p is null)
        {
            if (_totalBytes + bytes > _maxTotalBytes)
                throw new BadInputException($"{what}: running the model needs more than the cap of {_maxTotalBytes:N0} bytes of tensors");
            p = Adopt(TensorValue.Allocate(type, shape).Buffer, type);
        }
        else
        {
            _free.Remove(p);
            if (zeroed) Array.Clear(p.Array, 0, n);
        }
        p.Busy = true;
        p.Request = request;
        _record.Add(new RentEvent(type, n, _clock++, -1));
        return TensorValue.Wrap(type, shape, p.Array);
    }

    // The plan's buffer for this request, if the run is still on the plan and the request is the one planned.
    private Pooled? FromPlan(int request, ElementType type, int n)
    {
        if (!_onPlan) return null;
        var plan = _plan!;
        if (request < plan.Events.Length && plan.Events[request] is var planned && planned.Type == type && planned.Count == n)
        {
            int b = plan.BufferOf[request];
            if (b < 0) return null; // a kept output: a fresh buffer each run
            var p = _assigned[b];
            if (p is null)
            {
                var (bufferType, capacity) = plan.Buffers[b];
                if (_totalBytes + Math.Max(1, bufferType.ByteCount(capacity)) <= _maxTotalBytes)
                {
                    p = _assigned[b] = Adopt(TensorValue.Allocate(bufferType, new long[] { capacity }).Buffer, bufferType);
                    _free.Add(p);
                }
            }
            if (p is not null && !p.Busy && _known.ContainsKey(p.Array)) return p;
        }
        _onPlan = false;
        return null;
    }

    // Off the plan: the smallest free buffer of the type that holds n elements, if it is not over 4 times the size.
    // Without that bound a small value takes a large free buffer and the next large value needs a new one; with it
    // the first run of DenseNet-121 holds 22 MB instead of 45 (PP-OCRv4 det at 640x640: 67 instead of 79).
    private const long MaxOversize = 4;

    private Pooled? BestFit(ElementType type, int n)
    {
        if (_onPlan) return null;
        Pooled? best = null;
        foreach (var p in _free)
            if (p.Type == type && p.Capacity >= n && p.Capacity <= MaxOversize * Math.Max(n, 1024) && (best is null || p.Capacity < best.Capacity)) best = p;
        return best;
    }

    private Pooled Adopt(Array array, ElementType type)
    {
        var p = new Pooled(array, type);
        _known[array] = p;
        _totalBytes += Math.Max(1, type.ByteCount(array.Length));
        return p;
    }

    public void Return(TensorValue v)
    {
        if (v.ElementType == ElementType.String) return;
        if (!_known.TryGetValue(v.Buffer, out var p))
        {
            // A buffer an operator made itself: pooled like the others, if it is exactly the tensor's.
            if (v.Buffer.Length != v.Length) return;
            p = Adopt(v.Buffer, v.ElementType);
        }
        else if (!p.Busy) return;
        else if (p.Request >= 0) _record[p.Request] = _record[p.Request] with { Returned = _clock++ };
        p.Busy = false;
        p.Request = -1;
        _free.Add(p);
    }

    /// <summary>A buffer handed to the caller leaves the pool.</summary>
    public void Forget(TensorValue v)
    {
        if (_known.TryGetValue(v.Buffer, out var p)) Drop(p);
    }

    private void Drop(Pooled p)
    {
        _known.Remove(p.Array);
        _free.Remove(p);
        _totalBytes -= Math.Max(1, p.Type.ByteCount(p.Capacity));
    }

    // Buffers for the plan of the run just recorded: each planned buffer takes the smallest free buffer that holds
    // it, else a new one on its first use; on the first plan, free buffers the plan does not use are let go.
    private void Replan(bool dropSpare)
    {
        var plan = MemoryPlan.For(_record);
        var assigned = new Pooled?[plan.Buffers.Length];
        var spare = new List<Pooled>(_free);
        foreach (int b in Enumerable.Range(0, plan.Buffers.Length).OrderByDescending(b => plan.Buffers[b].Type.ByteCount(plan.Buffers[b].Capacity)))
        {
            var (type, capacity) = plan.Buffers[b];
            Pooled? best = null;
            foreach (var p in spare)
                if (p.Type == type && p.Capacity >= capacity && (best is null || p.Capacity < best.Capacity)) best = p;
            if (best is not null)
            {
                spare.Remove(best);
                assigned[b] = best;
            }
        }
        if (dropSpare)
            foreach (var p in spare) Drop(p);
        long needed = 0;
        for (int b = 0; b < assigned.Length; b++)
            if (assigned[b] is null) needed += Math.Max(1, plan.Buffers[b].Type.ByteCount(plan.Buffers[b].Capacity));
        if (_totalBytes + needed > _maxTotalBytes)
        {
            // Over the cap as planned: the runs go on taking the smallest free buffer that fits, as the first did.
            _plan = null;
            _assigned = Array.Empty<Pooled?>();
            return;
        }
        _plan = plan;
        _assigned = assigned;
    }
}
