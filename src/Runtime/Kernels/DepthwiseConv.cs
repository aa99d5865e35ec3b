using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnnxNorm.Runtime.Kernels;

/// <summary>
/// Direct 1-D/2-D depthwise convolution (group == C == M, one filter per channel), as in MobileNet and
/// PaddleOCR. Through GEMM each channel would be a 1-row matrix product, wasting 5 of 6 micro-kernel rows;
/// here each output row is a few vector multiply-adds over a zero-padded copy of the input row.
/// For stride s the padded row is split into s phases (every s-th element), so the taps of a strided
/// convolution are also contiguous vector loads rather than gathers.
/// </summary>
internal sealed unsafe class DepthwiseConv
{
    private readonly float[] _weights;
    private readonly float[]? _bias;
    private readonly Activation _activation;
    private readonly int _batch, _channels;
    private readonly int _ih, _iw, _oh, _ow, _kh, _kw, _sh, _sw, _dh, _dw, _ph, _pw;
    private readonly int _paddedLength, _phaseLength;
    // Where tap kw starts inside a row's phases, computed once: two integer divisions per tap and output row
    // cost more than the tap's multiply-adds on 7x7 and 14x14 maps.
    private readonly int[] _tapOffset;

    public static bool Supports(ConvGeometry g) =>
        g.SpatialRank <= 2 && g.Group == g.InChannels && g.Group == g.OutChannels && g.Group > 1;

    public DepthwiseConv(ConvGeometry g, float[] weights, float[]? bias, Activation activation)
    {
        _weights = weights;
        _bias = bias;
        _activation = activation;
        _batch = g.Batch;
        _channels = g.InChannels;
        if (g.SpatialRank == 1)
        {
            (_ih, _oh, _kh, _sh, _dh, _ph) = (1, 1, 1, 1, 1, 0);
            (_iw, _ow, _kw, _sw, _dw, _pw) = (g.InputSpatial[0], g.OutputSpatial[0], g.Kernel[0], g.Strides[0], g.Dilations[0], g.PadsBegin[0]);
        }
        else
        {
            (_ih, _oh, _kh, _sh, _dh, _ph) = (g.InputSpatial[0], g.OutputSpatial[0], g.Kernel[0], g.Strides[0], g.Dilations[0], g.PadsBegin[0]);
            (_iw, _ow, _kw, _sw, _dw, _pw) = (g.InputSpatial[1], g.OutputSpatial[1], g.Kernel[1], g.Strides[1], g.Dilations[1], g.PadsBegin[1]);
        }
        _paddedLength = Math.Max(1, (_ow - 1) * _sw + (_kw - 1) * _dw + 1);
        // Reads reach element (kw·dw)/sw + RoundUp(ow, 8) − 1 of a phase; ceil(padded/sw) + 8 covers that.
        _phaseLength = PackedGemm.CeilDiv(_paddedLength, _sw) + 8;
        _tapOffset = new int[_kw];
        for (int kw = 0; kw < _kw; kw++) _tapOffset[kw] = kw * _dw % _sw * _phaseLength + kw * _dw / _sw;
    }

    public void Run(float* x, float* y, int threads)
    {
        int planes = _batch * _channels;
        if (threads <= 1 || planes == 1)
        {
            for (int i = 0; i < planes; i++) RunPlane(x, y, i);
            return;
        }
        nint xs = (nint)x, ys = (nint)y;
        Parallel.For(0, planes, new ParallelOptions { MaxDegreeOfParallelism = threads },
            i => RunPlane((float*)xs, (float*)ys, i));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunPlane(float* x, float* y, int plane)
    {
        int channel = plane % _channels;
        float* input = x + (long)plane * _ih * _iw;
        float* output = y + (long)plane * _oh * _ow;
        float bias = _bias is null ? 0f : _bias[channel];
        int accLength = PackedGemm.RoundUp(_ow, 8);
        int rowStride = _sw * _phaseLength;
        // Scratch: one output row, a padded input row (for strided phase splitting), then every input row
        // zero-padded and split into sw phases, built once per plane (each input row feeds up to kh outputs).
        float* scratch = ThreadScratch.Get(accLength + rowStride + 16 + _ih * rowStride);
        float* tail = scratch;
        float* padded = tail + accLength;
        float* rows = padded + rowStride + 16;
        for (int ih = 0; ih < _ih; ih++) FillPhases(input + (long)ih * _iw, padded, rows + (long)ih * rowStride);
        int kernelArea = _kh * _kw;
        float** tapSource = stackalloc float*[kernelArea];
        float* tapWeight = stackalloc float[kernelArea];
        fixed (float* wAll = _weights)
        fixed (int* tapOffset = _tapOffset)
        {
            float* w = wAll + (long)channel * kernelArea;
            for (int oh = 0; oh < _oh; oh++)
            {
                // The taps that land inside the input for this output row: (phase start, weight).
                int taps = 0;
                for (int kh = 0; kh < _kh; kh++)
                {
                    int ih = oh * _sh - _ph + kh * _dh;
                    if ((uint)ih >= (uint)_ih) continue;
                    float* phases = rows + (long)ih * rowStride;
                    for (int kw = 0; kw < _kw; kw++)
                    {
                        tapSource[taps] = phases + tapOffset[kw];
                        tapWeight[taps++] = w[kh * _kw + kw];
                    }
                }
                float* outRow = output + (long)oh * _ow;
                // Eight outputs at a time, summed over all taps in a register (no accumulator traffic).
                for (int i = 0; i < accLength; i += 8)
                {
                    var sum = Vector256.Create(bias);
                    for (int t = 0; t < taps; t++) sum += Vector256.Create(tapWeight[t]) * Vector256.Load(tapSource[t] + i);
                    sum = ActivationMath.Apply(sum, _activation);
                    if (i + 8 <= _ow) Vector256.Store(sum, outRow + i);
                    else
                    {
                        Vector256.Store(sum, tail);
                        for (int j = i; j < _ow; j++) outRow[j] = tail[j - i];
                    }
                }
            }
        }
    }

    /// <summary>
    /// phase s of the padded row holds padded[t·sw + s] = input[t·sw + s − pw] (0 outside the row), so the
    /// tap at offset kw·dw of output ow is phase (kw·dw mod sw), element ow + kw·dw / sw: contiguous in ow.
    /// Each phase is <see cref="_phaseLength"/> long, including zeroed slack for whole-vector reads.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void FillPhases(float* inputRow, float* padded, float* phases)
    {
        int length = _sw * _phaseLength;
        float* target = _sw == 1 ? phases : padded;
        int lo = Math.Min(_pw, length), hi = Math.Clamp(_pw + _iw, lo, length);
        new Span<float>(target, lo).Clear();
        new ReadOnlySpan<float>(inputRow + lo - _pw, hi - lo).CopyTo(new Span<float>(target + lo, hi - lo));
        new Span<float>(target + hi, length - hi).Clear();
        if (_sw == 1) return;
        int t = 0;
        if (_sw == 2 && Avx2.IsSupported)
        {
            // 16 padded values -> 8 even, 8 odd (the padded row has 16 floats of slack past its length).
            for (; t + 8 <= _phaseLength; t += 8)
            {
                var a = Avx.LoadVector256(padded + 2 * t);
                var b = Avx.LoadVector256(padded + 2 * t + 8);
                var even = Avx2.Permute4x64(Avx.Shuffle(a, b, 0b10_00_10_00).AsDouble(), 0b11_01_10_00).AsSingle();
                var odd = Avx2.Permute4x64(Avx.Shuffle(a, b, 0b11_01_11_01).AsDouble(), 0b11_01_10_00).AsSingle();
                Avx.Store(phases + t, even);
                Avx.Store(phases + _phaseLength + t, odd);
            }
        }
        for (; t < _phaseLength; t++)
            for (int s = 0; s < _sw; s++) phases[s * _phaseLength + t] = padded[t * _sw + s];
    }

}
