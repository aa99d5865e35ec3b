using OnnxNorm.Runtime.Execution;

namespace OnnxNorm.Runtime.Operators;

/// <summary>
/// The native executor's operator table: one line per (op, opset range). The ranges end at
/// <see cref="Latest"/>, the newest opset whose semantics were checked; newer models are rejected by name
/// rather than risk a wrong answer.
/// </summary>
internal static class BuiltinOperators
{
    public const int Latest = 22;

    public static KernelRegistry Create()
    {
        var r = new KernelRegistry();
        const int L = Latest;
        const OperatorMemory View = OperatorMemory.AliasesInput;

        // Convolution and normalisation
        r.Add("Conv", 1, L, Conv.Factory);
        r.Add("ConvTranspose", 1, L, ConvTranspose.Factory);
        r.Add("BatchNormalization", 1, L, BatchNormalization.Factory);
        r.Add("InstanceNormalization", 1, L, InstanceNormalization.Factory);
        r.Add("LayerNormalization", 17, L, LayerNormalization.Factory);
        r.Add("GroupNormalization", 18, L, GroupNormalization.Factory);
        r.Add("LRN", 1, L, Lrn.Factory);
        r.Add("MeanVarianceNormalization", 9, L, MeanVarianceNormalization.Factory);

        // Activations
        r.Add("Relu", 6, L, Unary<ReluF>.Factory(_ => new ReluF()));
        r.Add("LeakyRelu", 6, L, Unary<LeakyReluF>.Factory(n => new LeakyReluF(n.Float("alpha", 0.01f)), "alpha"));
        r.Add("Elu", 6, L, Unary<EluF>.Factory(n => new EluF(n.Float("alpha", 1f)), "alpha"));
        r.Add("Selu", 6, L, Unary<SeluF>.Factory(n => new SeluF(n.Float("alpha", 1.67326319217681884765625f), n.Float("gamma", 1.05070102214813232421875f)), "alpha", "gamma"));
        r.Add("PRelu", 6, L, Binary.Factory(BinaryKind.PRelu));
        r.Add("Clip", 6, 10, Unary<ClipF>.Factory(n => new ClipF(n.Float("min", float.NegativeInfinity), n.Float("max", float.PositiveInfinity)), "min", "max"));
        r.Add("Clip", 11, L, ComputeInFloat.Wrap(Clip.Create, includeDouble: false));
        r.Add("Sigmoid", 6, L, Unary<SigmoidF>.Factory(_ => new SigmoidF()));
        r.Add("HardSigmoid", 6, L, Unary<HardSigmoidF>.Factory(n => new HardSigmoidF(n.Float("alpha", 0.2f), n.Float("beta", 0.5f)), "alpha", "beta"));
        r.Add("HardSwish", 14, L, Unary<HardSwishF>.Factory(_ => new HardSwishF()));
        r.Add("Tanh", 6, L, Unary<TanhF>.Factory(_ => new TanhF()));
        r.Add("Erf", 9, L, Unary<ErfF>.Factory(_ => new ErfF()));
        r.Add("Softplus", 1, L, Unary<SoftplusF>.Factory(_ => new SoftplusF()));
        r.Add("Softsign", 1, L, Unary<SoftsignF>.Factory(_ => new SoftsignF()));
        r.Add("Softmax", 1, L, Softmax.Factory(0));
        r.Add("LogSoftmax", 1, L, Softmax.Factory(1));
        r.Add("Hardmax", 1, L, Softmax.Factory(2));

        // Elementwise math
        r.Add("Add", 6, L, Binary.Factory(BinaryKind.Add));
        r.Add("Sub", 6, L, Binary.Factory(BinaryKind.Sub));
        r.Add("Mul", 6, L, Binary.Factory(BinaryKind.Mul));
        r.Add("Div", 6, L, Binary.Factory(BinaryKind.Div));
        r.Add("Pow", 1, L, Binary.Factory(BinaryKind.Pow));
        r.Add("Max", 6, L, Binary.Factory(BinaryKind.Max));
        r.Add("Min", 6, L, Binary.Factory(BinaryKind.Min));
        r.Add("Sum", 6, L, Binary.Factory(BinaryKind.Add));
        r.Add("Mean", 6, L, Binary.Factory(BinaryKind.Add, mean: true));
        r.Add("Sqrt", 6, L, Unary<SqrtF>.Factory(_ => new SqrtF()));
        r.Add("Exp", 6, L, Unary<ExpF>.Factory(_ => new ExpF()));
        r.Add("Log", 6, L, Unary<LogF>.Factory(_ => new LogF()));
        r.Add("Neg", 6, L, Unary<NegF>.Factory(_ => new NegF()));
        r.Add("Abs", 6, L, Unary<AbsF>.Factory(_ => new AbsF()));
        r.Add("Sign", 9, L, Unary<SignF>.Factory(_ => new SignF()));
        r.Add("Reciprocal", 6, L, Unary<ReciprocalF>.Factory(_ => new ReciprocalF()));
        r.Add("Floor", 6, L, Unary<FloorF>.Factory(_ => new FloorF()));
        r.Add("Ceil", 6, L, Unary<CeilF>.Factory(_ => new CeilF()));
        r.Add("Round", 11, L, Unary<RoundF>.Factory(_ => new RoundF()));
        r.Add("Sin", 7, L, Unary<SinF>.Factory(_ => new SinF()));
        r.Add("Cos", 7, L, Unary<CosF>.Factory(_ => new CosF()));
        r.Add("Tan", 7, L, Unary<TanF>.Factory(_ => new TanF()));
        r.Add("Asin", 7, L, Unary<AsinF>.Factory(_ => new AsinF()));
        r.Add("Acos", 7, L, Unary<AcosF>.Factory(_ => new AcosF()));
        r.Add("Atan", 7, L, Unary<AtanF>.Factory(_ => new AtanF()));
        r.Add("Sinh", 9, L, Unary<SinhF>.Factory(_ => new SinhF()));
        r.Add("Cosh", 9, L, Unary<CoshF>.Factory(_ => new CoshF()));
        r.Add("Asinh", 9, L, Unary<AsinhF>.Factory(_ => new AsinhF()));
        r.Add("Acosh", 9, L, Unary<AcoshF>.Factory(_ => new AcoshF()));
        r.Add("Atanh", 9, L, Unary<AtanhF>.Factory(_ => new AtanhF()));
        r.Add("ThresholdedRelu", 10, L, Unary<ThresholdedReluF>.Factory(n => new ThresholdedReluF(n.Float("alpha", 1f)), "alpha"));
        r.Add("Shrink", 9, L, Unary<ShrinkF>.Factory(n => new ShrinkF(n.Float("bias", 0f), n.Float("lambd", 0.5f)), "bias", "lambd"));
        r.Add("Mod", 10, L, Binary.Factory(BinaryKind.Mod));
        r.Add("Not", 1, L, Predicates.Create);
        r.Add("IsNaN", 9, L, Predicates.Create);
        r.Add("IsInf", 10, L, Predicates.Create);
        r.Add("ArgMax", 1, L, ArgMax.Factory(min: false));
        r.Add("ArgMin", 1, L, ArgMax.Factory(min: true));
        r.Add("CumSum", 11, L, CumSum.Create);
        r.Add("Celu", 12, L, Unary<CeluF>.Factory(n => new CeluF(n.Float("alpha", 1f)), "alpha"));
        r.Add("TopK", 1, L, TopK.Create);
        r.Add("NonZero", 9, L, NonZero.Create);
        r.Add("EyeLike", 9, L, EyeLike.Create);
        r.Add("Where", 9, L, ComputeInFloat.Wrap(Where.Create, includeDouble: false));
        r.Add("Equal", 7, L, Binary.Factory(BinaryKind.Equal));
        r.Add("Greater", 7, L, Binary.Factory(BinaryKind.Greater));
        r.Add("Less", 7, L, Binary.Factory(BinaryKind.Less));
        r.Add("GreaterOrEqual", 12, L, Binary.Factory(BinaryKind.GreaterOrEqual));
        r.Add("LessOrEqual", 12, L, Binary.Factory(BinaryKind.LessOrEqual));
        r.Add("And", 7, L, Binary.Factory(BinaryKind.And));
        r.Add("Or", 7, L, Binary.Factory(BinaryKind.Or));
        r.Add("Xor", 7, L, Binary.Factory(BinaryKind.Xor));

        // Matrix products
        r.Add("MatMul", 1, L, MatMul.Factory);
        r.Add("Gemm", 6, L, GemmOperator.Factory);

        // Pooling
        r.Add("MaxPool", 1, L, MaxPool.Factory);
        r.Add("AveragePool", 1, L, AveragePool.Factory);
        r.Add("GlobalAveragePool", 1, L, GlobalPool.Factory(max: false));
        r.Add("GlobalMaxPool", 1, L, GlobalPool.Factory(max: true));

        // Shape and data movement
        r.Add("Flatten", 1, L, Flatten.Create, View);
        r.Add("Reshape", 1, L, Reshape.Create, View);
        r.Add("Squeeze", 1, L, Squeeze.Factory(unsqueeze: false), View);
        r.Add("Unsqueeze", 1, L, Squeeze.Factory(unsqueeze: true), View);
        r.Add("Identity", 1, L, Identity.CreateIdentity, View);
        r.Add("Dropout", 1, L, Identity.CreateDropout, View);
        r.Add("Transpose", 1, L, Transpose.Create);
        r.Add("Concat", 1, L, Concat.Create);
        r.Add("Split", 1, L, Split.Create);
        r.Add("Slice", 1, L, Slice.Create);
        r.Add("Shape", 1, L, ShapeOf.CreateShape);
        r.Add("Size", 1, L, ShapeOf.CreateSize);
        r.Add("Gather", 1, L, Gather.Create);
        r.Add("Expand", 8, L, Expand.Create);
        r.Add("Pad", 1, L, Pad.Create);
        r.Add("Resize", 10, L, Resize.CreateResize);
        r.Add("Upsample", 7, 9, Resize.CreateUpsample);
        r.Add("Cast", 6, L, Cast.Create);
        r.Add("CastLike", 15, L, Cast.CreateLike);
        r.Add("ConstantOfShape", 9, L, ConstantOfShape.Create);
        r.Add("Tile", 6, L, Tile.Create);
        r.Add("DepthToSpace", 1, L, DepthToSpace.Factory(toDepth: false));
        r.Add("SpaceToDepth", 1, L, DepthToSpace.Factory(toDepth: true));
        r.Add("Range", 11, L, Range.Create);
        r.Add("GatherElements", 11, L, GatherElements.Create);
        r.Add("Trilu", 14, L, Trilu.Create);

        // Reductions
        r.Add("ReduceMean", 1, L, Reduce.Factory(ReduceKind.Mean));
        r.Add("ReduceSum", 1, L, Reduce.Factory(ReduceKind.Sum));
        r.Add("ReduceMax", 1, L, Reduce.Factory(ReduceKind.Max));
        r.Add("ReduceMin", 1, L, Reduce.Factory(ReduceKind.Min));
        r.Add("ReduceProd", 1, L, Reduce.Factory(ReduceKind.Prod));
        r.Add("ReduceSumSquare", 1, L, Reduce.Factory(ReduceKind.SumSquare));
        r.Add("ReduceL1", 1, L, Reduce.Factory(ReduceKind.L1));
        r.Add("ReduceL2", 1, L, Reduce.Factory(ReduceKind.L2));
        r.Add("ReduceLogSum", 1, L, Reduce.Factory(ReduceKind.LogSum));
        r.Add("ReduceLogSumExp", 1, L, Reduce.Factory(ReduceKind.LogSumExp));

        // Control flow
        r.Add("If", 1, L, If.Create);
        return r;
    }
}
