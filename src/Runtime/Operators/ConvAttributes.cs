using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>The window attributes shared by Conv, ConvTranspose and the pools, validated once per node.</summary>
internal sealed class ConvAttributes
{
    public required string AutoPad { get; init; }
    public required long[]? KernelShape { get; init; }
    public required long[]? Strides { get; init; }
    public required long[]? Dilations { get; init; }
    public required long[]? Pads { get; init; }
    public required long Group { get; init; }
    public required string Describe { get; init; }

    public static ConvAttributes Read(NodeInfo n)
    {
        var a = new ConvAttributes
        {
            AutoPad = n.String("auto_pad", "NOTSET"),
            KernelShape = n.Ints("kernel_shape"),
            Strides = n.Ints("strides"),
            Dilations = n.Ints("dilations"),
            Pads = n.Ints("pads"),
            Group = n.Int("group", 1),
            Describe = n.Describe(),
        };
        if (a.AutoPad is not ("NOTSET" or "SAME_UPPER" or "SAME_LOWER" or "VALID")) throw n.Error($"auto_pad '{a.AutoPad}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID");
        if (a.Strides?.Any(s => s <= 0) == true) throw n.Error($"strides must be positive, not [{string.Join(',', a.Strides)}]");
        if (a.Dilations?.Any(s => s <= 0) == true) throw n.Error($"dilations must be positive, not [{string.Join(',', a.Dilations)}]");
        if (a.Pads?.Any(s => s < 0) == true) throw n.Error($"pads must not be negative, not [{string.Join(',', a.Pads)}]");
        if (a.KernelShape?.Any(s => s <= 0) == true) throw n.Error($"kernel_shape must be positive, not [{string.Join(',', a.KernelShape)}]");
        if (a.Group <= 0 || a.Group > int.MaxValue) throw n.Error($"group must be positive (and fit 32 bits), not {a.Group}");
        foreach (var (name, v) in new[] { ("strides", a.Strides), ("dilations", a.Dilations), ("pads", a.Pads), ("kernel_shape", a.KernelShape) })
            if (v?.Any(x => x > int.MaxValue) == true) throw n.Error($"{name} [{string.Join(',', v)}] do not fit 32 bits");
        return a;
    }

    public int[] StridesFor(int r) => Fill(Strides, r, 1, "strides");
    public int[] DilationsFor(int r) => Fill(Dilations, r, 1, "dilations");

    private int[] Fill(long[]? v, int r, int fallback, string name)
    {
        if (v is null) return Enumerable.Repeat(fallback, r).ToArray();
        if (v.Length != r) throw new BadInputException($"{Describe}: {name} has {v.Length} values, the input has {r} spatial dims");
        return v.Select(x => checked((int)x)).ToArray();
    }

    /// <summary>Explicit pads (begin, end) for r spatial dims, before auto_pad is applied.</summary>
    public (int[] Begin, int[] End) ExplicitPads(int r)
    {
        if (Pads is null) return (new int[r], new int[r]);
        if (Pads.Length != 2 * r) throw new BadInputException($"{Describe}: pads has {Pads.Length} values, {2 * r} expected for {r} spatial dims");
        return (Pads.Take(r).Select(x => checked((int)x)).ToArray(), Pads.Skip(r).Select(x => checked((int)x)).ToArray());
    }

    /// <summary>Output size and pads of a forward window (Conv, pools), auto_pad resolved.</summary>
    public (int[] Out, int[] PadBegin, int[] PadEnd) Forward(int[] input, int[] kernel, int[] strides, int[] dilations, bool ceilMode = false)
    {
        int r = input.Length;
        var (pb, pe) = ExplicitPads(r);
        var output = new int[r];
        for (int d = 0; d < r; d++)
        {
            long eff = (long)(kernel[d] - 1) * dilations[d] + 1;
            switch (AutoPad)
            {
                case "VALID":
                    pb[d] = pe[d] = 0;
                    output[d] = (int)((input[d] - eff + strides[d]) / strides[d]);
                    if (input[d] - eff < 0) output[d] = 0;
                    break;
                case "SAME_UPPER":
                case "SAME_LOWER":
                {
                    int o = (input[d] + strides[d] - 1) / strides[d];
                    long total = Math.Max(0, (o - 1L) * strides[d] + eff - input[d]);
                    int small = (int)(total / 2), big = (int)(total - total / 2);
                    (pb[d], pe[d]) = AutoPad == "SAME_UPPER" ? (small, big) : (big, small);
                    output[d] = o;
                    break;
                }
                default:
                {
                    long span = input[d] + pb[d] + pe[d] - eff;
                    if (span < 0) throw new BadInputException($"{Describe}: the window ({eff}) is larger than the padded input ({input[d] + pb[d] + pe[d]}) on spatial dim {d}");
                    long o = ceilMode ? (span + strides[d] - 1) / strides[d] + 1 : span / strides[d] + 1;
                    // With ceil_mode, the last window must start inside the input or the left padding.
                    if (ceilMode && (o - 1) * strides[d] >= input[d] + pb[d]) o--;
                    output[d] = checked((int)o);
                    break;
                }
            }
        }
        return (output, pb, pe);
    }
}
