using System.Runtime.Intrinsics;

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
        _phaseLength = PackedGemm.CeilDiv(_paddedLength, _sw) + 8;
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

    private void RunPlane(float* x, float* y, int plane)
    {
        int channel = plane % _channels;
        float* input = x + (long)plane * _ih * _iw;
        float* output = y + (long)plane * _oh * _ow;
        float bias = _bias is null ? 0f : _bias[channel];
        int kernelArea = _kh * _kw;
        int accLength = PackedGemm.RoundUp(_ow, 8);
        // Scratch: accumulator row, padded row, then sw phases.
        float* scratch = ThreadScratch.Get(accLength + _paddedLength + 8 + _sw * _phaseLength);
        float* acc = scratch;
        float* padded = acc + accLength;
        float* phases = padded + _paddedLength + 8;
        fixed (float* wAll = _weights)
        {
            float* w = wAll + (long)channel * kernelArea;
            for (int oh = 0; oh < _oh; oh++)
            {
                new Span<float>(acc, _ow).Fill(bias);
                for (int kh = 0; kh < _kh; kh++)
                {
                    int ih = oh * _sh - _ph + kh * _dh;
                    if ((uint)ih >= (uint)_ih) continue;
                    float* inputRow = input + (long)ih * _iw;
                    FillPadded(inputRow, padded);
                    if (_sw > 1)
                        for (int t = 0; t < _paddedLength; t++)
                            phases[(t % _sw) * _phaseLength + t / _sw] = padded[t];
                    for (int kw = 0; kw < _kw; kw++)
                    {
                        int offset = kw * _dw;
                        float* source = _sw == 1 ? padded + offset : phases + (offset % _sw) * _phaseLength + offset / _sw;
                        MultiplyAdd(acc, source, w[kh * _kw + kw], _ow);
                    }
                }
                float* outRow = output + (long)oh * _ow;
                new ReadOnlySpan<float>(acc, _ow).CopyTo(new Span<float>(outRow, _ow));
                ActivationMath.ApplyInPlace(new Span<float>(outRow, _ow), _activation);
            }
        }
    }

    /// <summary>padded[t] = input[t − pw] inside the row, 0 in the padding.</summary>
    private void FillPadded(float* inputRow, float* padded)
    {
        int lo = Math.Min(_pw, _paddedLength);
        int hi = Math.Clamp(_pw + _iw, lo, _paddedLength);
        new Span<float>(padded, lo).Clear();
        new ReadOnlySpan<float>(inputRow + (hi > lo ? lo - _pw : 0), hi - lo).CopyTo(new Span<float>(padded + lo, hi - lo));
        new Span<float>(padded + hi, _paddedLength - hi).Clear();
    }

    private static void MultiplyAdd(float* acc, float* source, float weight, int count)
    {
        var w = Vector256.Create(weight);
        int i = 0;
        for (; i + 8 <= count; i += 8)
            Vector256.Store(Vector256.Load(acc + i) + w * Vector256.Load(source + i), acc + i);
        for (; i < count; i++) acc[i] += weight * source[i];
    }
}
