using System.Runtime.CompilerServices;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// Produces a block of one group's im2col matrix (rows = (channel, kernel offset), columns = output
/// positions) directly in the micro-kernel's packed-B layout, so the full im2col matrix (9x the input for
/// a 3x3 conv) is never written to memory. 1-D, 2-D and 3-D convolutions take a row-wise path that copies the
/// contiguous interior of each output row and writes zeros for the padding (a 3-D output is a stack of 2-D
/// output planes, each reading one input plane per kernel depth offset); 4-D and higher use plain index math,
/// which is slower but correct for those rare shapes. On AVX-512, <see cref="PhasePlaneIm2Col"/> packs the shapes it
/// takes (one masked load per panel row); this packer serves the others and the portable instruction sets.
/// </summary>
internal sealed unsafe class Im2ColPacker
{
    private const int Nr = GemmMicroKernel.Columns;

    private readonly ConvGeometry _g;
    private readonly bool _planar;
    // Stride 1 with as many output as input columns: column n of every im2col row reads input n + const.
    private readonly bool _shifted;
    // The convolution seen as 2-D (1-D gets a unit height; a 1x1 stride-1 unpadded conv becomes one long row).
    private readonly int _ih, _iw, _oh, _ow, _kh, _kw, _sh, _sw, _dh, _dw, _ph, _pw;
    // The depth dimension of a 3-D convolution (1, 1, 1, 1, 1, 0 below 3-D).
    private readonly int _id = 1, _od = 1, _kd = 1, _sd = 1, _dd = 1, _pd;

    public Im2ColPacker(ConvGeometry g)
    {
        _g = g;
        int r = g.SpatialRank;
        _planar = r <= 3;
        if (!_planar) return;
        bool pointwise = g.Kernel.All(k => k == 1) && g.Strides.All(s => s == 1)
            && g.PadsBegin.All(p => p == 0) && g.PadsEnd.All(p => p == 0);
        if (pointwise || r == 1)
        {
            _ih = 1; _oh = 1; _kh = 1; _sh = 1; _dh = 1; _ph = 0;
        }
        if (pointwise)
        {
            _iw = g.InputSize; _ow = g.OutputSize; _kw = 1; _sw = 1; _dw = 1; _pw = 0;
        }
        else if (r == 1)
        {
            _iw = g.InputSpatial[0]; _ow = g.OutputSpatial[0]; _kw = g.Kernel[0];
            _sw = g.Strides[0]; _dw = g.Dilations[0]; _pw = g.PadsBegin[0];
        }
        else
        {
            int h = r - 2, w = r - 1;
            _ih = g.InputSpatial[h]; _iw = g.InputSpatial[w];
            _oh = g.OutputSpatial[h]; _ow = g.OutputSpatial[w];
            _kh = g.Kernel[h]; _kw = g.Kernel[w];
            _sh = g.Strides[h]; _sw = g.Strides[w];
            _dh = g.Dilations[h]; _dw = g.Dilations[w];
            _ph = g.PadsBegin[h]; _pw = g.PadsBegin[w];
            if (r == 3)
                (_id, _od, _kd, _sd, _dd, _pd) = (g.InputSpatial[0], g.OutputSpatial[0], g.Kernel[0], g.Strides[0], g.Dilations[0], g.PadsBegin[0]);
        }
        // A 3-D conv qualifies only with a single input plane: the shifted path reads channel c's plane at
        // c·H·W (a depth-2 input strided down to one output plane read the next channel's plane).
        _shifted = _kd == 1 && _od == 1 && _id == 1 && _pd == 0 && _sh == 1 && _sw == 1 && _ow == _iw;
    }

    /// <summary>
    /// Packs rows [pc, pc+kc) and columns [jc, jc+nc) of the im2col matrix of the group whose first input
    /// channel starts at <paramref name="input"/>.
    /// </summary>
    public void Pack(float* input, int pc, int kc, int jc, int nc, float* destination, KernelIsa isa)
    {
        if (_shifted) PackShifted(input, pc, kc, jc, nc, destination);
        else if (_planar) PackPlanar(input, pc, kc, jc, nc, destination, isa == KernelIsa.Avx512);
        else PackGeneric(input, pc, kc, jc, nc, destination);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PackPlanar(float* input, int pc, int kc, int jc, int nc, float* destination, bool avx512)
    {
        int kernelPlane = _kh * _kw, kernelArea = _kd * kernelPlane, inputPlane = _ih * _iw, inputArea = _id * inputPlane;
        long panelStride = (long)kc * Nr;
        int paddedColumns = PackedGemm.RoundUp(nc, Nr);
        int firstRow = jc / _ow, firstOw = jc % _ow;
        int firstOd = firstRow / _oh, firstOh = firstRow % _oh;
        for (int p = 0; p < kc; p++)
        {
            int row = pc + p;
            int channel = row / kernelArea, offset = row % kernelArea;
            int kd = offset / kernelPlane;
            offset -= kd * kernelPlane;
            int kh = offset / _kw, kw = offset % _kw;
            float* volume = input + (long)channel * inputArea;
            // Output columns ow whose input column iw = ow·sw − pw + kw·dw is inside [0, iw).
            int shift = kw * _dw - _pw;
            int owLo = Math.Clamp(CeilDivSigned(-shift, _sw), 0, _ow);
            int owHi = Math.Clamp(CeilDivSigned(_iw - shift, _sw), owLo, _ow);

            var cursor = new PanelCursor(destination + p * Nr, panelStride);
            int od = firstOd, oh = firstOh, ow = firstOw, left = nc;
            while (left > 0)
            {
                int run = Math.Min(_ow - ow, left);
                int id = od * _sd - _pd + kd * _dd;
                int ih = oh * _sh - _ph + kh * _dh;
                if ((uint)ih >= (uint)_ih || (uint)id >= (uint)_id)
                {
                    cursor.Zeros(run);
                }
                else
                {
                    float* rowStart = volume + (long)id * inputPlane + (long)ih * _iw;
                    float* inputRow = rowStart + shift;
                    int end = ow + run;
                    int a = Math.Min(Math.Max(ow, owLo), end), b = Math.Max(Math.Min(end, owHi), a);
                    cursor.Zeros(a - ow);
                    if (_sw == 1) cursor.Copy(inputRow + a, b - a);
                    else if (_sw == 2 && avx512) cursor.CopyEveryOther(inputRow + (long)a * 2, b - a);
                    else cursor.CopyStrided(inputRow + (long)a * _sw, _sw, b - a, rowStart + _iw);
                    cursor.Zeros(end - b);
                }
                left -= run;
                ow += run;
                if (ow == _ow)
                {
                    ow = 0;
                    if (++oh == _oh) { oh = 0; od++; }
                }
            }
            cursor.Zeros(paddedColumns - nc);
        }
    }

    /// <summary>
    /// Stride 1 and OW = IW (a "same" 3x3, any 1x1): output column n = oh·W + ow reads input n + shift, with
    /// shift = (kh·dh − ph)·W + kw·dw − pw. So each im2col row is one contiguous copy (vector loads), then zeros
    /// where the kernel hangs over the top/bottom edge (a prefix/suffix) and over the left/right edge (a few
    /// columns of every output row), patched in afterwards.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PackShifted(float* input, int pc, int kc, int jc, int nc, float* destination)
    {
        int kernelArea = _kh * _kw, planeSize = _ih * _iw;
        long panelStride = (long)kc * Nr;
        int paddedColumns = PackedGemm.RoundUp(nc, Nr);
        int end = jc + nc;
        for (int p = 0; p < kc; p++)
        {
            int row = pc + p;
            int channel = row / kernelArea, offset = row % kernelArea;
            int kh = offset / _kw, kw = offset % _kw;
            float* plane = input + (long)channel * planeSize;
            int rowShift = kh * _dh - _ph, columnShift = kw * _dw - _pw;
            int shift = rowShift * _iw + columnShift;
            // Output rows whose input row oh + rowShift exists; also stay inside the plane when reading.
            int ohLo = Math.Max(0, -rowShift), ohHi = Math.Min(_oh, _ih - rowShift);
            int lo = Math.Clamp(Math.Max(ohLo * _ow, -shift), jc, end);
            int hi = Math.Clamp(Math.Min(ohHi * _ow, planeSize - shift), lo, end);
            var cursor = new PanelCursor(destination + p * Nr, panelStride);
            cursor.Zeros(lo - jc);
            cursor.Copy(plane + lo + shift, hi - lo);
            cursor.Zeros(end - hi + paddedColumns - nc);
            // Columns whose input column ow + columnShift is outside the row read a neighbouring row's value.
            int owLo = Math.Clamp(-columnShift, 0, _ow), owHi = Math.Clamp(_iw - columnShift, owLo, _ow);
            if (owLo == 0 && owHi == _ow || hi <= lo) continue;
            float* rowStart = destination + p * Nr;
            for (int oh = lo / _ow; oh * _ow < hi; oh++)
            {
                int rowBase = oh * _ow;
                for (int ow = 0; ow < owLo; ow++) ZeroAt(rowStart, panelStride, rowBase + ow, lo, hi, jc);
                for (int ow = owHi; ow < _ow; ow++) ZeroAt(rowStart, panelStride, rowBase + ow, lo, hi, jc);
            }
        }
    }

    private static void ZeroAt(float* rowStart, long panelStride, int n, int lo, int hi, int jc)
    {
        if (n < lo || n >= hi) return;
        int j = n - jc;
        rowStart[(j / Nr) * panelStride + (j % Nr)] = 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PackGeneric(float* input, int pc, int kc, int jc, int nc, float* destination)
    {
        var g = _g;
        int r = g.SpatialRank, kernelSize = g.KernelSize, inputSize = g.InputSize;
        Span<int> kIdx = stackalloc int[r];
        Span<int> oIdx = stackalloc int[r];
        long panelStride = (long)kc * Nr;
        int paddedColumns = PackedGemm.RoundUp(nc, Nr);
        for (int p = 0; p < kc; p++)
        {
            int row = pc + p;
            int channel = row / kernelSize;
            Unravel(row % kernelSize, g.Kernel, kIdx);
            float* plane = input + (long)channel * inputSize;
            var cursor = new PanelCursor(destination + p * Nr, panelStride);
            for (int j = 0; j < nc; j++)
            {
                Unravel(jc + j, g.OutputSpatial, oIdx);
                long offset = 0;
                bool inside = true;
                for (int d = 0; d < r; d++)
                {
                    int pos = oIdx[d] * g.Strides[d] - g.PadsBegin[d] + kIdx[d] * g.Dilations[d];
                    if ((uint)pos >= (uint)g.InputSpatial[d]) { inside = false; break; }
                    offset = offset * g.InputSpatial[d] + pos;
                }
                cursor.Put(inside ? plane[offset] : 0f);
            }
            cursor.Zeros(paddedColumns - nc);
        }
    }

    private static void Unravel(int index, int[] dims, Span<int> result)
    {
        for (int d = dims.Length - 1; d >= 0; d--)
        {
            result[d] = index % dims[d];
            index /= dims[d];
        }
    }

    /// <summary>ceil(a / b) for b &gt; 0 and any sign of a.</summary>
    private static int CeilDivSigned(int a, int b) => a >= 0 ? (a + b - 1) / b : -(-a / b);
}
