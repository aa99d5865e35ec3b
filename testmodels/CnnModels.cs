using OnnxNorm.Ir;

namespace OnnxNorm.TestModels;

/// <summary>The CNNs the tests, README and benchmarks use. Same seed, same bytes.</summary>
public static class CnnModels
{
    /// <summary>Conv (He-initialised, optional bias) followed by a BatchNormalization with trained-looking statistics.</summary>
    public static string ConvBn(ModelBuilder b, DeterministicRandom rng, string x, string name, int cin, int cout, int k,
        int stride = 1, int pad = 0, int group = 1, bool bias = false, int dilation = 1)
    {
        long fanIn = (long)(cin / group) * k * k;
        var w = b.Initializer($"{name}.weight", ElementType.Float, new long[] { cout, cin / group, k, k }, rng.Normals(cout * fanIn, Math.Sqrt(2.0 / fanIn)));
        var inputs = new List<string> { x, w };
        if (bias) inputs.Add(b.Initializer($"{name}.bias", ElementType.Float, new long[] { cout }, rng.Normals(cout, 0.1)));
        string y = $"{name}.conv_out";
        b.Node("Conv", inputs.ToArray(), new[] { y }, $"{name}.conv",
            ("kernel_shape", new long[] { k, k }), ("strides", new long[] { stride, stride }),
            ("pads", new long[] { pad, pad, pad, pad }), ("group", group), ("dilations", new long[] { dilation, dilation }));
        return BatchNorm(b, rng, y, name + ".bn", cout);
    }

    public static string BatchNorm(ModelBuilder b, DeterministicRandom rng, string x, string name, int c, float epsilon = 1e-5f)
    {
        var scale = b.Initializer($"{name}.weight", ElementType.Float, new long[] { c }, rng.Uniforms(c, 0.5, 1.5));
        var bias = b.Initializer($"{name}.bias", ElementType.Float, new long[] { c }, rng.Normals(c, 0.1));
        var mean = b.Initializer($"{name}.running_mean", ElementType.Float, new long[] { c }, rng.Normals(c, 0.1));
        var var_ = b.Initializer($"{name}.running_var", ElementType.Float, new long[] { c }, rng.Uniforms(c, 0.5, 1.5));
        string y = $"{name}.out";
        b.Node("BatchNormalization", new[] { x, scale, bias, mean, var_ }, new[] { y }, name, ("epsilon", epsilon), ("momentum", 0.9f));
        return y;
    }

    /// <summary>
    /// A small CNN with the usual BN placements: plain, biased, strided, depthwise and a residual. It is
    /// committed as testmodels/convbn_small.onnx and used by the README's main command.
    /// </summary>
    public static ModelBuilder ConvBnSmall(ulong seed = 7)
    {
        var rng = new DeterministicRandom(seed);
        var b = new ModelBuilder(opset: 17, irVersion: 8, graphName: "convbn_small");
        var x = b.Input("input", ElementType.Float, "batch", 3, 32, 32);
        var h = b.Op("Relu", "stem.relu", ConvBn(b, rng, x, "stem", 3, 16, 3, pad: 1));
        h = b.Op("Relu", "down.relu", ConvBn(b, rng, h, "down", 16, 32, 3, stride: 2, pad: 1, bias: true));
        var dw = b.Op("Relu", "dw.relu", ConvBn(b, rng, h, "dw", 32, 32, 3, pad: 1, group: 32));
        var pw = ConvBn(b, rng, dw, "pw", 32, 32, 1);
        h = b.Op("Relu", "block.relu", b.Op("Add", "block.add", pw, h));
        var pooled = b.Op("GlobalAveragePool", "pool", h);
        var flat = b.Op("Flatten", "flat", pooled);
        var fcW = b.Initializer("fc.weight", ElementType.Float, new long[] { 10, 32 }, rng.Normals(320, Math.Sqrt(1.0 / 32)));
        var fcB = b.Initializer("fc.bias", ElementType.Float, new long[] { 10 }, rng.Normals(10, 0.01));
        b.Node("Gemm", new[] { flat, fcW, fcB }, new[] { "logits" }, "fc", ("transB", 1));
        b.Output("logits", ElementType.Float, "batch", 10);
        return b;
    }

    /// <summary>
    /// A ResNet-18-shaped classifier: 20 Conv+BN pairs (stem, 16 block convs, 3 downsamples), 11.7 M
    /// parameters, about 47 MB. The benchmark and precision model of the README.
    /// </summary>
    public static ModelBuilder ResNet18Like(ulong seed = 18)
    {
        var rng = new DeterministicRandom(seed);
        var b = new ModelBuilder(opset: 17, irVersion: 8, graphName: "resnet18_like");
        var x = b.Input("input", ElementType.Float, "batch", 3, 224, 224);
        var h = b.Op("Relu", "stem.relu", ConvBn(b, rng, x, "conv1", 3, 64, 7, stride: 2, pad: 3));
        h = b.Op("MaxPool", "stem.pool", h);
        b.Graph.Node[^1].Attribute.Add(ModelBuilder.Attribute("kernel_shape", new long[] { 3, 3 }));
        b.Graph.Node[^1].Attribute.Add(ModelBuilder.Attribute("strides", new long[] { 2, 2 }));
        b.Graph.Node[^1].Attribute.Add(ModelBuilder.Attribute("pads", new long[] { 1, 1, 1, 1 }));
        int cin = 64;
        int[] widths = { 64, 128, 256, 512 };
        for (int stage = 0; stage < 4; stage++)
        {
            for (int block = 0; block < 2; block++)
            {
                int cout = widths[stage];
                int stride = stage > 0 && block == 0 ? 2 : 1;
                string p = $"layer{stage + 1}.{block}";
                var a = b.Op("Relu", $"{p}.relu1", ConvBn(b, rng, h, $"{p}.conv1", cin, cout, 3, stride: stride, pad: 1));
                var c2 = ConvBn(b, rng, a, $"{p}.conv2", cout, cout, 3, pad: 1);
                var shortcut = stride != 1 || cin != cout ? ConvBn(b, rng, h, $"{p}.downsample", cin, cout, 1, stride: stride) : h;
                h = b.Op("Relu", $"{p}.relu2", b.Op("Add", $"{p}.add", c2, shortcut));
                cin = cout;
            }
        }
        var pooled = b.Op("GlobalAveragePool", "avgpool", h);
        var flat = b.Op("Flatten", "flatten", pooled);
        var fcW = b.Initializer("fc.weight", ElementType.Float, new long[] { 1000, 512 }, rng.Normals(512_000, Math.Sqrt(1.0 / 512)));
        var fcB = b.Initializer("fc.bias", ElementType.Float, new long[] { 1000 }, rng.Normals(1000, 0.01));
        b.Node("Gemm", new[] { flat, fcW, fcB }, new[] { "logits" }, "fc", ("transB", 1));
        b.Output("logits", ElementType.Float, "batch", 1000);
        return b;
    }
}
