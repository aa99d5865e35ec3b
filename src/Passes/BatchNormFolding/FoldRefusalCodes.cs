namespace OnnxNorm.Passes;

/// <summary>The machine-readable refusal reasons shared by fold-bn, fold-bn-forward, bn-to-affine and inspect.</summary>
public static class FoldRefusalCodes
{
    /// <summary>"training-mode": BN runs in training mode (training_mode=1, is_test=0 or running-statistics outputs); run freeze-bn first.</summary>
    public const string TrainingMode = "training-mode";
    /// <summary>"parameter-not-constant": scale, B, mean or var is not a constant (computed, or an overridable graph input).</summary>
    public const string ParameterNotConstant = "parameter-not-constant";
    /// <summary>"unsupported-dtype": a weight or parameter is not float, double, float16 or bfloat16.</summary>
    public const string UnsupportedDtype = "unsupported-dtype";
    /// <summary>"shape-mismatch": the parameters are not 1-D of the producer's channel count, or a bias/C does not match.</summary>
    public const string ShapeMismatch = "shape-mismatch";
    /// <summary>"per-activation-statistics": BN-6/7 spatial=0 with statistics that differ across spatial positions.</summary>
    public const string PerActivationStatistics = "per-activation-statistics";
    /// <summary>"non-finite-statistics": a parameter holds NaN or Inf.</summary>
    public const string NonFiniteStatistics = "non-finite-statistics";
    /// <summary>"variance-not-positive": var + epsilon is zero or negative for some channel.</summary>
    public const string VarianceNotPositive = "variance-not-positive";
    /// <summary>"no-producer": the BN input is a graph input or initializer.</summary>
    public const string NoProducer = "no-producer";
    /// <summary>"producer-in-outer-scope": the BN input comes from an enclosing graph.</summary>
    public const string ProducerInOuterScope = "producer-in-outer-scope";
    /// <summary>"unsupported-producer": the path back from the BN/affine reaches something other than Conv, ConvTranspose, Gemm or MatMul (through per-channel Add/Sub/Mul/Div, Transpose, Reshape, Flatten).</summary>
    public const string UnsupportedProducer = "unsupported-producer";
    /// <summary>"producer-output-is-graph-output": the producer's output is also a graph output.</summary>
    public const string ProducerOutputIsGraphOutput = "producer-output-is-graph-output";
    /// <summary>"producer-has-other-consumers": the producer's output is read by something besides the BN.</summary>
    public const string ProducerHasOtherConsumers = "producer-has-other-consumers";
    /// <summary>"weight-not-constant": the producer's weight is not a constant.</summary>
    public const string WeightNotConstant = "weight-not-constant";
    /// <summary>"bias-not-constant": the producer's bias (Conv B, Gemm C) is not a constant.</summary>
    public const string BiasNotConstant = "bias-not-constant";
    /// <summary>"unsupported-weight-shape": the producer's weight has a rank the fold does not handle.</summary>
    public const string UnsupportedWeightShape = "unsupported-weight-shape";
    /// <summary>"matmul-input-rank-not-2": MatMul+BN folds only when the MatMul input is known to be 2-D.</summary>
    public const string MatMulInputRankNot2 = "matmul-input-rank-not-2";
    /// <summary>"folded-weight-overflow": a folded weight would not fit the weight's dtype (e.g. float16 overflow).</summary>
    public const string FoldedWeightOverflow = "folded-weight-overflow";
    /// <summary>"output-is-graph-output": fold-bn-forward: the BN output is a graph output.</summary>
    public const string OutputIsGraphOutput = "output-is-graph-output";
    /// <summary>"consumer-not-conv": forward fold: something other than the data input of a Conv, ConvTranspose or Gemm (or a MatMul, for an affine along the last axis) reads the output.</summary>
    public const string ConsumerNotConv = "consumer-not-conv";
    /// <summary>"padding-not-exact": forward fold: the Conv zero-pads, so the shift cannot move into it exactly.</summary>
    public const string PaddingNotExact = "padding-not-exact";
    /// <summary>"unknown-rank": the rank of a value on the fold's path is unknown (bn-to-affine: of the BN input).</summary>
    public const string UnknownRank = "unknown-rank";
    /// <summary>"not-per-channel": fold-affine: the Mul/Add/Sub/Div constant varies along more than one axis, or along another axis than the path's channel axis.</summary>
    public const string NotPerChannel = "not-per-channel";
    /// <summary>"channel-axis-moved": a Reshape or Flatten on the path does not keep the channel axis whole.</summary>
    public const string ChannelAxisMoved = "channel-axis-moved";
    /// <summary>"channel-axis-not-output-channels": the per-channel axis is not the output-channel axis of the Conv/ConvTranspose/Gemm/MatMul reached.</summary>
    public const string ChannelAxisNotOutputChannels = "channel-axis-not-output-channels";
    /// <summary>"shift-not-uniform": forward into a ConvTranspose: with a kernel larger than 1×1, a stride or padding its output positions get different numbers of taps, so a shift cannot become a bias (a scale still folds).</summary>
    public const string ShiftNotUniform = "shift-not-uniform";
    /// <summary>"gemm-beta-zero": forward into a Gemm with beta 0: its C cannot carry the shift.</summary>
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
