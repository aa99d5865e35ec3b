using OnnxNorm.Ir;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.TestModels;

namespace OnnxNorm.Runtime.Tests;

/// <summary>GroupNormalization has no case in the installed backend suite: hand-worked values for both opset forms.</summary>
public class NormalizationTests
{
    // x [1,4,1,2]: channels (1,3), (5,7), (0,0), (2,-2). Two groups: {1,3,5,7} has mean 4, variance 5;
    // {0,0,2,-2} has mean 0, variance 2 (epsilon 0).
    private static readonly float[] X = { 1, 3, 5, 7, 0, 0, 2, -2 };
    private static readonly double[] Normalised =
    {
        -3 / Math.Sqrt(5), -1 / Math.Sqrt(5), 1 / Math.Sqrt(5), 3 / Math.Sqrt(5),
        0, 0, 2 / Math.Sqrt(2), -2 / Math.Sqrt(2),
    };

    private static float[] Run(int opset, float[] scale, float[] bias)
    {
        var b = new ModelBuilder(opset: opset);
        b.Input("x", ElementType.Float, 1, 4, 1, 2);
        b.Initializer("s", scale, scale.Length);
        b.Initializer("b", bias, bias.Length);
        b.Node("GroupNormalization", new[] { "x", "s", "b" }, new[] { "y" }, "gn", ("num_groups", 2L), ("epsilon", 0f));
        b.Output("y", ElementType.Float, 1, 4, 1, 2);
        var s = NativeSession.Create(ModelLoader.Load(b.ToBytes()));
        return s.Run(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromFloats(new long[] { 1, 4, 1, 2 }, X) })["y"].AsSpan<float>().ToArray();
    }

    [Fact]
    public void Opset18_scale_and_bias_per_group()
    {
        var y = Run(18, new float[] { 2, 3 }, new float[] { 1, -1 });
        for (int i = 0; i < 8; i++)
        {
            int g = i / 4;
            Assert.Equal(Normalised[i] * new[] { 2, 3 }[g] + new[] { 1, -1 }[g], y[i], 5);
        }
    }

    [Fact]
    public void Opset21_scale_and_bias_per_channel()
    {
        var y = Run(21, new float[] { 1, 2, 3, 4 }, new float[] { 0, 0, 0, 1 });
        for (int i = 0; i < 8; i++)
        {
            int c = i / 2;
            Assert.Equal(Normalised[i] * new[] { 1, 2, 3, 4 }[c] + new[] { 0, 0, 0, 1 }[c], y[i], 5);
        }
    }

    [Fact]
    public void Channels_must_divide_into_groups()
    {
        var b = new ModelBuilder(opset: 21);
        b.Input("x", ElementType.Float, 1, 3, 2);
        b.Initializer("s", new float[3], 3);
        b.Initializer("b", new float[3], 3);
        b.Node("GroupNormalization", new[] { "x", "s", "b" }, new[] { "y" }, "gn", ("num_groups", 2L));
        b.Output("y", ElementType.Float);
        var s = NativeSession.Create(ModelLoader.Load(b.ToBytes()));
        var e = Assert.Throws<BadInputException>(() => s.Run(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromFloats(new long[] { 1, 3, 2 }, new float[6]) }));
        Assert.Contains("num_groups", e.Message);
    }

    // x [2,1,1,2] = [1,1, 3,3]: batch mean 2, population variance 1. Inputs: scale 2, B 0.5, mean 0, var 4;
    // momentum 0.9, epsilon 0. Training: y = (x-2)/1·2 + 0.5 = [-1.5,-1.5, 2.5,2.5]; running mean = 0·0.9 + 2·0.1 = 0.2;
    // running var = 4·0.9 + 1·0.1 = 3.7. Inference: y = (x-0)/2·2 + 0.5 = [1.5,1.5, 3.5,3.5].
    [Theory]
    [InlineData(9, true)]
    [InlineData(14, true)]
    [InlineData(15, true)]
    [InlineData(7, false)]
    [InlineData(15, false)]
    public void BatchNormalization_training_and_inference_forms(int opset, bool training)
    {
        var b = new ModelBuilder(opset: opset);
        b.Input("x", ElementType.Float, 2, 1, 1, 2);
        b.Initializer("s", new float[] { 2 }, 1);
        b.Initializer("b", new float[] { 0.5f }, 1);
        b.Initializer("m", new float[] { 0 }, 1);
        b.Initializer("v", new float[] { 4 }, 1);
        var attrs = new List<(string, object)> { ("epsilon", 0f), ("momentum", 0.9f) };
        if (opset >= 14 && training) attrs.Add(("training_mode", 1L));
        var outputs = training ? new[] { "y", "rm", "rv" } : new[] { "y" };
        b.Node("BatchNormalization", new[] { "x", "s", "b", "m", "v" }, outputs, "bn", attrs.ToArray());
        foreach (var o in outputs) b.OutputUnknownShape(o, ElementType.Float);
        var r = NativeSession.Create(ModelLoader.Load(b.ToBytes()))
            .Run(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromFloats(new long[] { 2, 1, 1, 2 }, new float[] { 1, 1, 3, 3 }) });
        if (training)
        {
            Assert.Equal(new[] { -1.5f, -1.5f, 2.5f, 2.5f }, r["y"].AsSpan<float>().ToArray());
            Assert.Equal(0.2f, r["rm"].AsSpan<float>()[0], 6);
            Assert.Equal(3.7f, r["rv"].AsSpan<float>()[0], 6);
        }
        else Assert.Equal(new[] { 1.5f, 1.5f, 3.5f, 3.5f }, r["y"].AsSpan<float>().ToArray());
    }
}
