namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// How the packed GEMM's columns are cut into tasks: equal widths with a shorter last task (large maps, where
/// <see cref="ColumnTaskWidth"/> picks the width), or, on small maps, one task per thread with its edges spread
/// evenly. Every edge falls on a multiple of <see cref="EdgeMultiple"/> columns (or at N), so the kernel that
/// computes a column depends only on where the column lies in the matrix and results stay bit-identical at any
/// thread count (see <see cref="PackedGemm"/>).
/// </summary>
internal readonly struct ColumnSplit
{
    /// <summary>Task edges fall on multiples of this many columns (the 512-bit kernel's pair of panels).</summary>
    public const int EdgeMultiple = 32;

    private readonly int _n, _width;
    private readonly bool _even;

    private ColumnSplit(int n, int tasks, int width, bool even) => (_n, Tasks, _width, _even) = (n, tasks, width, even);

    public int Tasks { get; }

    /// <summary>Tasks of <paramref name="width"/> columns (a multiple of <see cref="EdgeMultiple"/> unless it covers all N), the last one shorter.</summary>
    public static ColumnSplit Uniform(int n, int width) => new(n, PackedGemm.CeilDiv(n, width), width, false);

    /// <summary>
    /// <paramref name="tasks"/> tasks whose edges are the nearest multiples of <see cref="EdgeMultiple"/> to
    /// equal shares: 196 columns (a 14x14 map) as 96 + 100, where equal widths on multiples of 32 leave 128 + 68.
    /// Needs N of at least <see cref="EdgeMultiple"/> columns per task, so no task is empty.
    /// </summary>
    public static ColumnSplit Even(int n, int tasks)
    {
        if (tasks < 1 || n < tasks * EdgeMultiple) throw new ArgumentOutOfRangeException(nameof(tasks), $"{n} columns cannot be cut into {tasks} tasks on {EdgeMultiple}-column edges");
        return new(n, tasks, 0, true);
    }

    /// <summary>The first column of task <paramref name="task"/>; <c>Start(Tasks)</c> is N.</summary>
    public int Start(int task)
    {
        if (task >= Tasks) return _n;
        if (!_even) return task * _width;
        long share = (long)_n * task / Tasks;
        return (int)((share + EdgeMultiple / 2) / EdgeMultiple * EdgeMultiple);
    }
}
