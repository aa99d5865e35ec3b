namespace OnnxNorm.Workflows.Comparison.NoiseAware;

/// <summary>
/// One candidate for an output's noise floor: what produced it and the error it measured against R, over the whole
/// tensor and (when the tensor is scored per channel, <see cref="ChannelSlices"/>) the RMS error of each channel and
/// the line of its error against R (<see cref="ChannelFit"/>).
/// </summary>
public sealed record NoiseSource(string Name, ErrorNorm Error, double[]? ChannelRms = null, ChannelFit? Fit = null);
