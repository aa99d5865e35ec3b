using OnnxNorm.Ir;

namespace OnnxNorm.Runtime.Execution;

/// <summary>One buffer request of a run: its element type and count, and when (on the pool's event clock) it
/// was rented and given back. <see cref="Returned"/> is -1 for a buffer that left the run (a model output).</summary>
internal readonly record struct RentEvent(ElementType Type, int Count, int Rented, int Returned)
{
    public bool Kept => Returned < 0;

    /// <summary>Whether the two buffers are needed at the same time (a kept buffer is needed to the end).</summary>
    public bool Overlaps(RentEvent other) =>
        (other.Kept || Rented <= other.Returned) && (Kept || other.Rented <= Returned);
}

/// <summary>
/// Which buffer each request of a run gets, from the run's requests and lifetimes: requests whose lifetimes do not
/// overlap share one buffer, sized for the largest of them. Largest requests are placed first, each in the smallest
/// buffer already made that is free over its whole lifetime, else in a new one (ONNX Runtime's memory pattern
/// planner does the same over offsets in one arena; here buffers are separate typed arrays).
/// </summary>
internal sealed class MemoryPlan
{
    private MemoryPlan(RentEvent[] events, int[] bufferOf, (ElementType Type, int Capacity)[] buffers)
    {
        Events = events;
        BufferOf = bufferOf;
        Buffers = buffers;
    }

    /// <summary>The requests the plan was made for, in the order of the run.</summary>
    public RentEvent[] Events { get; }
    /// <summary>For each request, the index of its buffer in <see cref="Buffers"/>; -1 for a kept buffer (allocated fresh).</summary>
    public int[] BufferOf { get; }
    /// <summary>The buffers: element type and capacity in elements.</summary>
    public (ElementType Type, int Capacity)[] Buffers { get; }

    /// <summary>Bytes of all planned buffers (kept outputs not included).</summary>
    public long Bytes => Buffers.Sum(b => Math.Max(1, b.Type.ByteCount(b.Capacity)));

    public static MemoryPlan For(IReadOnlyList<RentEvent> events)
    {
        var order = Enumerable.Range(0, events.Count).Where(i => !events[i].Kept)
            .OrderByDescending(i => events[i].Type.ByteCount(events[i].Count)).ThenBy(i => i).ToArray();
        var bufferOf = new int[events.Count];
        Array.Fill(bufferOf, -1);
        var buffers = new List<(ElementType Type, int Capacity)>();
        var users = new List<List<int>>();
        foreach (int e in order)
        {
            var ev = events[e];
            int best = -1;
            for (int b = 0; b < buffers.Count; b++)
            {
                // Largest first: every buffer made so far holds at least this many elements of its type.
                if (buffers[b].Type != ev.Type || best >= 0 && buffers[b].Capacity >= buffers[best].Capacity) continue;
                if (!users[b].Any(u => events[u].Overlaps(ev))) best = b;
            }
            if (best < 0)
            {
                best = buffers.Count;
                buffers.Add((ev.Type, ev.Count));
                users.Add(new List<int>());
            }
            users[best].Add(e);
            bufferOf[e] = best;
        }
        return new MemoryPlan(events.ToArray(), bufferOf, buffers.ToArray());
    }
}
