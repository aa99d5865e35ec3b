namespace OnnxNorm.Passes;

/// <summary>The machine-readable refusal reasons shared by fold-bn, fold-bn-forward, bn-to-affine and inspect.</summary>
public static class FoldRefusalCodes
{
    public const string TrainingMode = "training-mode";
    public const string ParameterNotConstant = "parameter-not-constant";
    public const string UnsupportedDtype = "unsupported-dtype";
    public const string ShapeMismatch = "shape-mismatch";
    public const string PerActivationStatistics = "per-activation-statistics";
    public const string NonFiniteStatistics = "non-finite-statistics";
    public const string VarianceNotPositive = "variance-not-positive";
    public const string NoProducer = "no-producer";
    public const string ProducerInOuterScope = "producer-in-outer-scope";
    public const string UnsupportedProducer = "unsupported-producer";
    public const string ProducerOutputIsGraphOutput = "producer-output-is-graph-output";
    public const string ProducerHasOtherConsumers = "producer-has-other-consumers";
    public const string WeightNotConstant = "weight-not-constant";
    public const string BiasNotConstant = "bias-not-constant";
    public const string UnsupportedWeightShape = "unsupported-weight-shape";
    public const string MatMulInputRankNot2 = "matmul-input-rank-not-2";
    public const string FoldedWeightOverflow = "folded-weight-overflow";
    public const string OutputIsGraphOutput = "output-is-graph-output";
    public const string ConsumerNotConv = "consumer-not-conv";
    public const string PaddingNotExact = "padding-not-exact";
    public const string UnknownRank = "unknown-rank";
    public const string NotPerChannel = "not-per-channel";
    public const string ChannelAxisMoved = "channel-axis-moved";
    public const string ChannelAxisNotOutputChannels = "channel-axis-not-output-channels";
    public const string ShiftNotUniform = "shift-not-uniform";
    public const string GemmBetaZero = "gemm-beta-zero";

    /// <summary>Every code with a one-line explanation (README and `--help` list these).</summary>
    public static readonly IReadOnlyList<(string Code, string Meaning)> All = new[]
    {
        (TrainingMode, "BN runs in training mode (training_mode=1, is_test=0 or running-statistics outputs); run freeze-bn first"),
        (ParameterNotConstant, "scale, B, mean or var is not a constant (computed, or an overridable graph input)"),
        (UnsupportedDtype, "a weight or parameter is not float, double, float16 or bfloat16"),
        (ShapeMismatch, "the parameters are not 1-D of the producer's channel count, or a bias/C does not match"),
        (PerActivationStatistics, "BN-6/7 spatial=0 with statistics that differ across spatial positions"),
        (NonFiniteStatistics, "a parameter holds NaN or Inf"),
        (VarianceNotPositive, "var + epsilon is zero or negative for some channel"),
        (NoProducer, "the BN input is a graph input or initializer"),
        (ProducerInOuterScope, "the BN input comes from an enclosing graph"),
        (UnsupportedProducer, "the path back from the BN/affine reaches something other than Conv, ConvTranspose, Gemm or MatMul (through per-channel Add/Sub/Mul/Div, Transpose, Reshape, Flatten)"),
        (ProducerOutputIsGraphOutput, "the producer's output is also a graph output"),
        (ProducerHasOtherConsumers, "the producer's output is read by something besides the BN"),
        (WeightNotConstant, "the producer's weight is not a constant"),
        (BiasNotConstant, "the producer's bias (Conv B, Gemm C) is not a constant"),
        (UnsupportedWeightShape, "the producer's weight has a rank the fold does not handle"),
        (MatMulInputRankNot2, "MatMul+BN folds only when the MatMul input is known to be 2-D"),
        (FoldedWeightOverflow, "a folded weight would not fit the weight's dtype (e.g. float16 overflow)"),
        (OutputIsGraphOutput, "fold-bn-forward: the BN output is a graph output"),
        (ConsumerNotConv, "forward fold: something other than the data input of a Conv, ConvTranspose or Gemm (or a MatMul, for an affine along the last axis) reads the output"),
        (PaddingNotExact, "forward fold: the Conv zero-pads, so the shift cannot move into it exactly"),
        (UnknownRank, "the rank of a value on the fold's path is unknown (bn-to-affine: of the BN input)"),
        (NotPerChannel, "fold-affine: the Mul/Add/Sub/Div constant varies along more than one axis, or along another axis than the path's channel axis"),
        (ChannelAxisMoved, "a Reshape or Flatten on the path does not keep the channel axis whole"),
        (ChannelAxisNotOutputChannels, "the per-channel axis is not the output-channel axis of the Conv/ConvTranspose/Gemm/MatMul reached"),
        (ShiftNotUniform, "forward into a ConvTranspose: with a kernel larger than 1×1, a stride or padding its output positions get different numbers of taps, so a shift cannot become a bias (a scale still folds)"),
        (GemmBetaZero, "forward into a Gemm with beta 0: its C cannot carry the shift"),
    };
}
