namespace OnnxNorm.Runtime.Operators;

/// <summary>One 2-D pooling plane's geometry (no dilation): input H x W, output OH x OW, kernel, strides, leading pads.</summary>
internal sealed record Pool2D(int H, int W, int OutH, int OutW, int KernelH, int KernelW, int StrideH, int StrideW, int PadTop, int PadLeft);
