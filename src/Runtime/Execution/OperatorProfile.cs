using System.Diagnostics;

namespace OnnxNorm.Runtime.Execution;

/// <summary>Accumulated time and call count per op type (a fused activation counts under the Conv).</summary>
public sealed class OperatorProfile
{
    private readonly Dictionary<string, (long Ticks, int Calls)> _byOp = new(StringComparer.Ordinal);

    internal void Add(string op, long ticks)
    {
        _byOp.TryGetValue(op, out var t);
        _byOp[op] = (t.Ticks + ticks, t.Calls + 1);
    }

    /// <summary>Adds one call of <paramref name="op"/> timed elsewhere (ORT's profiler, for one).</summary>
    public void Add(string op, TimeSpan time) => Add(op, (long)(time.TotalSeconds * Stopwatch.Frequency));

    /// <summary>Per op type: total time and call count, slowest first.</summary>
    public IReadOnlyList<(string Op, TimeSpan Time, int Calls)> Entries =>
        _byOp.Select(kv => (kv.Key, TimeSpan.FromSeconds(kv.Value.Ticks / (double)Stopwatch.Frequency), kv.Value.Calls))
            .OrderByDescending(e => e.Item2).ToList();

    /// <summary>Forgets everything measured so far (after warm-up runs).</summary>
    public void Clear() => _byOp.Clear();
}
