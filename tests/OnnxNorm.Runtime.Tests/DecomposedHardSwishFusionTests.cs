using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestModels;
using static OnnxNorm.Runtime.Tests.FusionTestRuns;

namespace OnnxNorm.Runtime.Tests;

/// <summary>
/// HardSwish written out as Add(x, 3), Clip(0, 6), Mul(x, ·), Div(·, 6) (PaddlePaddle's export; or Div before Mul),
/// with the scalar Mul and Add that may follow it, runs as one activation: inside the Conv that produces x, or as one
/// elementwise step; either way with the separate ops' bits. Any other constant, or an x the Mul does not read, is
/// left to the separate ops.
/// </summary>
public class DecomposedHardSwishFusionTests
{
    private sealed record Chain(bool DivideFirst = false, bool Affine = false, float Three = 3f, float Min = 0f, float Max = 6f, float Six = 6f, bool MulReadsOther = false);

    // x [1, 3, 9, 11] → (Conv →) Add(a, 3) → Clip(0, 6) → Mul(a, r) → Div(·, 6) [→ Mul(s, ·) → Add(·, t)] → y.
    private static byte[] Model(Chain c, bool conv)
    {
        var b = new ModelBuilder(opset: 11);
        b.Input("x", ElementType.Float, 1, 3, 9, 11);
        string a = "x";
        if (conv)
        {
            FusionTestRuns.AddConv(b, "x", "c", seed: 4);
            a = "c";
        }
        b.Initializer("three", new[] { c.Three });
        b.Initializer("lo", new[] { c.Min });
        b.Initializer("hi", new[] { c.Max });
        b.Initializer("six", new[] { c.Six });
        b.Node("Add", new[] { a, "three" }, new[] { "p" }, "plus3");
        b.Node("Clip", new[] { "p", "lo", "hi" }, new[] { "r" }, "relu6");
        string other = a;
        if (c.MulReadsOther)
        {
            b.Node("Neg", new[] { a }, new[] { "neg" }, "neg");
            other = "neg";
        }
        if (c.DivideFirst)
        {
            b.Node("Div", new[] { "r", "six" }, new[] { "q" }, "div6");
            b.Node("Mul", new[] { "q", other }, new[] { "h" }, "times_x");
        }
        else
        {
            b.Node("Mul", new[] { other, "r" }, new[] { "m" }, "times_x");
            b.Node("Div", new[] { "m", "six" }, new[] { "h" }, "div6");
        }
        string y = "h";
        if (c.Affine)
        {
            b.Initializer("s", new[] { 0.9431691f }, 1);
            b.Initializer("t", new[] { -0.5465887f }, 1);
            b.Node("Mul", new[] { "s", "h" }, new[] { "hs" }, "lab_scale");
            b.Node("Add", new[] { "hs", "t" }, new[] { "y" }, "lab_bias");
            y = "y";
        }
        b.OutputUnknownShape(y, ElementType.Float);
        return b.ToBytes();
    }

    private static string OutputOf(Chain c) => c.Affine ? "y" : "h";
    private static Dictionary<string, TensorValue> Input() => Feed("x", new long[] { 1, 3, 9, 11 }, 9);

    public static TheoryData<bool, bool> Forms => new() { { false, false }, { false, true }, { true, false }, { true, true } };

    [Theory]
    [MemberData(nameof(Forms))]
    public void FusedIntoTheConvItGivesTheSeparateOpsBitsAtEveryThreadCount(bool divideFirst, bool affine)
    {
        var chain = new Chain(divideFirst, affine);
        var model = Model(chain, conv: true);
        foreach (int threads in new[] { 1, 2, 4 })
        {
            var (plain, plainOps) = Run(model, Input(), OutputOf(chain), Unfused(threads));
            var (fused, ops) = Run(model, Input(), OutputOf(chain), new SessionOptions { Threads = threads });
            Assert.Contains("Clip", plainOps);
            Assert.All(ops, op => Assert.StartsWith("Conv", op));
            Assert.Contains(plain, float.IsNaN);
            AssertBitIdentical(plain, fused, $"divide first {divideFirst}, affine {affine}, {threads} threads");
        }
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void OnAValueNoConvProducesItRunsAsOneElementwiseStepWithTheSeparateOpsBits(bool divideFirst, bool affine)
    {
        var chain = new Chain(divideFirst, affine);
        var model = Model(chain, conv: false);
        var (plain, _) = Run(model, Input(), OutputOf(chain), Unfused());
        var (fused, ops) = Run(model, Input(), OutputOf(chain), SessionOptions.Default);
        Assert.Single(ops);
        Assert.Contains("HardSwish", ops[0]);
        AssertBitIdentical(plain, fused, $"standalone, divide first {divideFirst}, affine {affine}");
    }

    public static TheoryData<string> WrongChains => new() { "Add 3.0001", "Clip min -0", "Clip min -1", "Clip max 6.5", "Div 5", "Mul reads another value" };

    [Theory]
    [MemberData(nameof(WrongChains))]
    public void AChainWithOtherConstantsOrAnotherMulOperandIsLeftToTheSeparateOps(string wrong)
    {
        var chain = wrong switch
        {
            "Add 3.0001" => new Chain(Three: 3.0001f),
            "Clip min -0" => new Chain(Min: -0f),
            "Clip min -1" => new Chain(Min: -1f),
            "Clip max 6.5" => new Chain(Max: 6.5f),
            "Div 5" => new Chain(Six: 5f),
            _ => new Chain(MulReadsOther: true),
        };
        foreach (bool conv in new[] { true, false })
        {
            var model = Model(chain, conv);
            var (plain, _) = Run(model, Input(), OutputOf(chain), Unfused());
            var (y, ops) = Run(model, Input(), OutputOf(chain), SessionOptions.Default);
            Assert.Contains("Clip", ops);
            Assert.Contains("Div", ops);
            AssertBitIdentical(plain, y, $"{wrong}, after a Conv {conv}");
        }
    }

    [Fact]
    public void AWatchedClipOutputKeepsTheChainSeparateAndEveryWatchedValueIsSeen()
    {
        var chain = new Chain(Affine: true);
        var model = Model(chain, conv: true);
        var all = new WatchAll();
        var (watched, ops) = Run(model, Input(), "y", SessionOptions.Default with { Observer = all });
        var (plain, _) = Run(model, Input(), "y", Unfused());
        Assert.Contains("Clip", ops);
        Assert.Equal(new[] { "c", "hs", "m", "p", "r", "y", "h" }.Order(), all.Seen.Order());
        AssertBitIdentical(plain, watched, "every value watched");
    }

    private sealed class WatchAll : IExecutionObserver
    {
        public List<string> Seen { get; } = new();
        public bool Wants(Node producer, int outputIndex) => true;
        public void OnValue(Node producer, int outputIndex, TensorValue value) { lock (Seen) Seen.Add(producer.Outputs[outputIndex]!.Name); }
    }
}
