using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>
/// Resize (opset 10-…) and Upsample (opset 7-9): modes nearest (round_prefer_floor, round_prefer_ceil, floor,
/// ceil), linear (any rank; bilinear/trilinear) and cubic (cubic_coeff_a, exclude_outside); every
/// coordinate_transformation_mode (half_pixel, half_pixel_symmetric, pytorch_half_pixel, align_corners,
/// asymmetric, tf_half_pixel_for_nearest, tf_crop_and_resize with roi and extrapolation_value); scales or
/// sizes; axes and keep_aspect_ratio_policy (opset 18). Interpolation is separable: one pass per resized axis,
/// in double. antialias = 1 is rejected. Opset 10 and Upsample use asymmetric coordinates and floor rounding.
/// </summary>
internal sealed class Resize : IOperator
{
    private readonly string _mode;
    private readonly string _coord;
    private readonly string _nearest;
    private readonly double _cubicA;
    private readonly bool _excludeOutside;
    private readonly double _extrapolation;
    private readonly long[]? _axes;
    private readonly string _policy;
    private readonly float[]? _attrScales; // Upsample-7
    private readonly int _scalesInput, _sizesInput, _roiInput;
    private TapsEntry? _rowTaps, _columnTaps; // the last run's fast-path tables per axis

    private Resize(string mode, string coord, string nearest, double cubicA, bool excludeOutside, double extrapolation,
        long[]? axes, string policy, float[]? attrScales, int scalesInput, int sizesInput, int roiInput)
    {
        _mode = mode;
        _coord = coord;
        _nearest = nearest;
        _cubicA = cubicA;
        _excludeOutside = excludeOutside;
        _extrapolation = extrapolation;
        _axes = axes;
        _policy = policy;
        _attrScales = attrScales;
        _scalesInput = scalesInput;
        _sizesInput = sizesInput;
        _roiInput = roiInput;
    }

    public static IOperator CreateUpsample(NodeInfo n)
    {
        n.OnlyAttributes("mode", "scales", "height_scale", "width_scale");
        string mode = n.String("mode", "nearest");
        if (mode == "bilinear") mode = "linear";
        if (mode is not ("nearest" or "linear")) throw n.Error($"mode '{mode}' is not supported");
        float[]? scales = n.Opset < 9 ? n.Floats("scales") ?? throw n.Error("'scales' is required") : null;
        return new Resize(mode, "asymmetric", "floor", -0.75, false, 0, null, "stretch", scales, n.Opset < 9 ? -1 : 1, -1, -1);
    }

    public static IOperator CreateResize(NodeInfo n)
    {
        n.OnlyAttributes("mode", "coordinate_transformation_mode", "nearest_mode", "cubic_coeff_a", "exclude_outside",
            "extrapolation_value", "antialias", "axes", "keep_aspect_ratio_policy");
        if (n.Int("antialias", 0) != 0) throw n.Error("antialias = 1 is not supported by the native executor");
        string mode = n.String("mode", "nearest");
        if (mode is not ("nearest" or "linear" or "cubic")) throw n.Error($"mode '{mode}' is not supported");
        bool v10 = n.Opset < 11;
        string coord = v10 ? "asymmetric" : n.String("coordinate_transformation_mode", "half_pixel");
        if (coord == "tf_half_pixel_for_nn") coord = "tf_half_pixel_for_nearest"; // its name in early opset-11 models
        if (coord is not ("half_pixel" or "half_pixel_symmetric" or "pytorch_half_pixel" or "align_corners" or "asymmetric" or "tf_half_pixel_for_nearest" or "tf_crop_and_resize"))
            throw n.Error($"coordinate_transformation_mode '{coord}' is not supported");
        string nearest = v10 ? "floor" : n.String("nearest_mode", "round_prefer_floor");
        if (nearest is not ("round_prefer_floor" or "round_prefer_ceil" or "floor" or "ceil")) throw n.Error($"nearest_mode '{nearest}' is not supported");
        string policy = n.String("keep_aspect_ratio_policy", "stretch");
        if (policy is not ("stretch" or "not_larger" or "not_smaller")) throw n.Error($"keep_aspect_ratio_policy '{policy}' is not supported");
        return new Resize(mode, coord, nearest, n.Float("cubic_coeff_a", -0.75f), n.Int("exclude_outside", 0) != 0,
            n.Float("extrapolation_value", 0f), n.Ints("axes"), policy, null, v10 ? 1 : 2, v10 ? -1 : 3, v10 ? -1 : 1);
    }

    public void Run(OpContext ctx)
    {
        string desc = ctx.Node.Describe();
        var x = ctx.Required(0);
        int r = x.Rank;
        var axes = (_axes ?? Enumerable.Range(0, r).Select(i => (long)i).ToArray()).Select(a => Shapes.Axis(a, r, desc)).ToArray();
        var scales = new double[r];
        var outShape = (long[])x.Shape.Clone();
        Array.Fill(scales, 1.0);
        var sizesT = _sizesInput >= 0 ? ctx.Input(_sizesInput) : null;
        var scalesT = _scalesInput >= 0 ? ctx.Input(_scalesInput) : null;
        if (sizesT is { Length: > 0 })
        {
            var sizes = Shapes.Ints(sizesT);
            if (sizes.Length != axes.Length) throw new BadInputException($"{desc}: sizes has {sizes.Length} values, expected {axes.Length}");
            if (_policy != "stretch")
            {
                double s = _policy == "not_larger" ? double.MaxValue : double.MinValue;
                for (int i = 0; i < axes.Length; i++)
                {
                    double v = (double)sizes[i] / x.Shape[axes[i]];
                    s = _policy == "not_larger" ? Math.Min(s, v) : Math.Max(s, v);
                }
                for (int i = 0; i < axes.Length; i++)
                {
                    scales[axes[i]] = s;
                    outShape[axes[i]] = (long)Math.Round(s * x.Shape[axes[i]], MidpointRounding.ToEven);
                }
            }
            else
                for (int i = 0; i < axes.Length; i++)
                {
                    outShape[axes[i]] = sizes[i];
                    scales[axes[i]] = x.Shape[axes[i]] == 0 ? 1 : (double)sizes[i] / x.Shape[axes[i]];
                }
        }
        else
        {
            var sc = _attrScales?.Select(v => (double)v).ToArray() ?? (scalesT is { Length: > 0 } ? scalesT.ToDoubles()
                : throw new BadInputException($"{desc}: neither scales nor sizes is given"));
            if (sc.Length != axes.Length) throw new BadInputException($"{desc}: scales has {sc.Length} values, expected {axes.Length}");
            for (int i = 0; i < axes.Length; i++)
            {
                if (!(sc[i] > 0)) throw new BadInputException($"{desc}: scale {sc[i]} must be positive");
                scales[axes[i]] = sc[i];
                outShape[axes[i]] = (long)Math.Floor(x.Shape[axes[i]] * sc[i]);
            }
        }
        double[]? roi = null;
        if (_coord == "tf_crop_and_resize")
        {
            var rt = _roiInput >= 0 ? ctx.Input(_roiInput) : null;
            if (rt is null || rt.Length == 0) throw new BadInputException($"{desc}: tf_crop_and_resize needs roi");
            var rv = rt.ToDoubles();
            roi = new double[2 * r];
            for (int d = 0; d < r; d++) { roi[d] = 0; roi[r + d] = 1; }
            if (rv.Length == 2 * axes.Length)
                for (int i = 0; i < axes.Length; i++) { roi[axes[i]] = rv[i]; roi[r + axes[i]] = rv[axes.Length + i]; }
            else throw new BadInputException($"{desc}: roi has {rv.Length} values, expected {2 * axes.Length}");
        }
        if (x.Buffer is float[] fx && _mode is "linear" or "nearest" && roi is null && r >= 2 && outShape.All(d => d <= int.MaxValue)
            && Enumerable.Range(0, r - 2).All(d => outShape[d] == x.Shape[d] && scales[d] == 1))
        {
            var fy = ctx.Output(0, x.ElementType, outShape);
            int planes = checked((int)Shapes.Size(x.Shape, 0, r - 2));
            ResizePlanes.Run(fx, (float[])fy.Buffer, planes, (int)x.Shape[r - 2], (int)x.Shape[r - 1],
                PlaneTaps(x.Shape[r - 2], outShape[r - 2], scales[r - 2], ref _rowTaps), PlaneTaps(x.Shape[r - 1], outShape[r - 1], scales[r - 1], ref _columnTaps),
                ctx.Kernels);
            return;
        }
        var data = x.ToDoubles();
        var shape = (long[])x.Shape.Clone();
        for (int d = 0; d < r; d++)
        {
            if (outShape[d] == shape[d] && scales[d] == 1 && _coord != "tf_crop_and_resize") continue;
            data = ResizeAxis(data, shape, d, outShape[d], scales[d], roi is null ? 0 : roi[d], roi is null ? 1 : roi[r + d]);
            shape[d] = outShape[d];
        }
        var y = ctx.Output(0, x.ElementType, outShape);
        if (!Shapes.IsFloat(x.ElementType))
            for (int i = 0; i < data.Length; i++) data[i] = Math.Round(data[i], MidpointRounding.ToEven);
        Cast.WriteDoubles(data, y);
    }

    private double Original(long xr, long inSize, long outSize, double scale, double roiStart, double roiEnd)
    {
        switch (_coord)
        {
            case "half_pixel": return (xr + 0.5) / scale - 0.5;
            case "half_pixel_symmetric":
            {
                double adj = outSize / (scale * inSize);
                double center = inSize / 2.0;
                double offset = center * (1 - adj);
                return offset + (xr + 0.5) / scale - 0.5;
            }
            case "pytorch_half_pixel": return outSize > 1 ? (xr + 0.5) / scale - 0.5 : 0;
            case "align_corners": return outSize == 1 ? 0 : xr * (double)(inSize - 1) / (scale * inSize - 1);
            case "asymmetric": return xr / scale;
            case "tf_half_pixel_for_nearest": return (xr + 0.5) / scale;
            default: // tf_crop_and_resize
                return outSize > 1
                    ? roiStart * (inSize - 1) + xr * (roiEnd - roiStart) * (inSize - 1) / (outSize - 1)
                    : 0.5 * (roiStart + roiEnd) * (inSize - 1);
        }
    }

    // The general path's linear or nearest weights for one axis (identity where it leaves the axis alone),
    // kept for the next run with the same sizes so steady-state runs allocate no tables.
    private ResizePlanes.Taps PlaneTaps(long inSize, long outSize, double scale, ref TapsEntry? cache)
    {
        var hit = cache;
        if (hit is not null && hit.InSize == inSize && hit.OutSize == outSize && hit.Scale == scale) return hit.Taps;
        bool identity = outSize == inSize && scale == 1;
        var t = new ResizePlanes.Taps(new int[outSize], new float[outSize], new int[outSize], new float[outSize], identity);
        for (long o = 0; o < outSize; o++)
        {
            if (identity)
            {
                (t.I0[o], t.W0[o], t.I1[o], t.W1[o]) = ((int)o, 1, (int)o, 0);
                continue;
            }
            double xo = Original(o, inSize, outSize, scale, 0, 1);
            if (_mode == "nearest")
            {
                int i = (int)Math.Clamp(NearestIndex(xo), 0, inSize - 1);
                (t.I0[o], t.W0[o], t.I1[o], t.W1[o]) = (i, 1, i, 0);
                continue;
            }
            double f = Math.Floor(xo), w = xo - f;
            long i0 = (long)f;
            int a = (int)Math.Clamp(i0, 0, inSize - 1), b = (int)Math.Clamp(i0 + 1, 0, inSize - 1);
            // Both taps on one source value (the clamped edges): that value exactly, not (1 - w)·v + w·v.
            (t.I0[o], t.W0[o], t.I1[o], t.W1[o]) = a == b ? (a, 1f, a, 0f) : (a, (float)(1 - w), b, (float)w);
        }
        cache = new TapsEntry(inSize, outSize, scale, t);
        return t;
    }

    private sealed record TapsEntry(long InSize, long OutSize, double Scale, ResizePlanes.Taps Taps);

    private long NearestIndex(double xo)
    {
        double f = Math.Floor(xo), frac = xo - f;
        return _nearest switch
        {
            "floor" => (long)f,
            "ceil" => (long)Math.Ceiling(xo),
            "round_prefer_ceil" => frac >= 0.5 ? (long)f + 1 : (long)f,
            _ => frac > 0.5 ? (long)f + 1 : (long)f,
        };
    }

    private double[] ResizeAxis(double[] src, long[] shape, int axis, long outSize, double scale, double roiStart, double roiEnd)
    {
        long inSize = shape[axis];
        long outer = Shapes.Size(shape, 0, axis), inner = Shapes.Size(shape, axis + 1);
        var dst = new double[checked(outer * outSize * inner)];
        var idx = new List<(long Index, double Weight)>[outSize];
        var extrapolate = new bool[outSize];
        for (long o = 0; o < outSize; o++)
        {
            double xo = Original(o, inSize, outSize, scale, roiStart, roiEnd);
            var list = new List<(long, double)>(4);
            if (_coord == "tf_crop_and_resize" && (xo < 0 || xo > inSize - 1)) extrapolate[o] = true;
            else if (_mode == "nearest")
            {
                list.Add((Math.Clamp(NearestIndex(xo), 0, inSize - 1), 1.0));
            }
            else if (_mode == "linear")
            {
                double f = Math.Floor(xo), t = xo - f;
                long i0 = (long)f;
                list.Add((Math.Clamp(i0, 0, inSize - 1), 1 - t));
                list.Add((Math.Clamp(i0 + 1, 0, inSize - 1), t));
            }
            else
            {
                double f = Math.Floor(xo), t = xo - f, a = _cubicA;
                long i0 = (long)f;
                double[] c =
                {
                    ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a,
                    ((a + 2) * t - (a + 3)) * t * t + 1,
                    ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1,
                    ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a,
                };
                double sum = 0;
                for (int k = 0; k < 4; k++)
                {
                    long j = i0 - 1 + k;
                    if (_excludeOutside && (j < 0 || j >= inSize)) c[k] = 0;
                    sum += c[k];
                }
                for (int k = 0; k < 4; k++)
                    list.Add((Math.Clamp(i0 - 1 + k, 0, inSize - 1), _excludeOutside && sum != 0 ? c[k] / sum : c[k]));
            }
            idx[o] = list;
        }
        for (long a = 0; a < outer; a++)
            for (long o = 0; o < outSize; o++)
            {
                long dOff = (a * outSize + o) * inner;
                if (extrapolate[o])
                {
                    Array.Fill(dst, _extrapolation, (int)dOff, (int)inner);
                    continue;
                }
                foreach (var (i, w) in idx[o])
                {
                    if (w == 0) continue;
                    long sOff = (a * inSize + i) * inner;
                    for (long k = 0; k < inner; k++) dst[dOff + k] += w * src[sOff + k];
                }
            }
        return dst;
    }
}
