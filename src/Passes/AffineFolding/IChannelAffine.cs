namespace OnnxNorm.Passes;

/// <summary>
/// A per-channel map y[c] = x[c]·Scale[c] + Shift[c] that a fold moves into a linear op's weights: an
/// inference BatchNormalization's constants, or any per-channel Mul/Add/Sub/Div chain the affine engine
/// collected. Values are in double; the fold rounds each new weight once.
/// </summary>
internal interface IChannelAffine
{
    double[] Scale { get; }
    double[] Shift { get; }
    int Channels { get; }
}

/// <summary>A per-channel affine map held as plain arrays (what the affine engine hands the folds).</summary>
internal sealed record ChannelAffineValues(double[] Scale, double[] Shift) : IChannelAffine
{
    public int Channels => Scale.Length;
}
