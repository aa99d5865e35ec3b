using OnnxNorm.Ir;
using OnnxNorm.Runtime;
using OnnxNorm.Workflows.Comparison;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Runtime.Operators;

namespace OnnxNorm.Ort.Tests;

/// <summary>Plants a 1% change of one output channel of one Conv: in the model's weights, or in a deliberately broken native kernel.</summary>
internal static class ChannelChange
{
    public const double Factor = 1.01;

    /// <summary>The Convs of the main graph to plant in: the first, the middle and the last, and the one whose output is smallest (RMS).</summary>
    public static List<(string Position, string Node, int Channel)> Targets(string path, IReadOnlyDictionary<string, TensorValue> inputs)
    {
        using var m = ModelLoader.Load(path);
        var convs = m.Graph.TopologicalOrder().Where(n => n.OpType == "Conv" && Graph.TryGetConstant(n.Input(1)) is { ElementType: ElementType.Float }).ToList();
        // Where the layer's channels end up: after the BN, residual Add and activation that follow the Conv, if any.
        var layerOutputs = convs.ToDictionary(c => c, LayerOutput);
        var values = NativeValues.Run(m, convs.Select(c => c.Output(0)!.Name).Concat(layerOutputs.Values.Select(v => v.Name)).Distinct().ToList(), inputs, ExecutionPrecision.Native);
        double Rms(Node c) { var v = values[c.Output(0)!.Name].ToDoubles(); return Math.Sqrt(v.Sum(x => x * x) / v.Length); }
        // The most active channel after the layer's BN, residual Add and activation: a channel they zero everywhere cannot show a change.
        int Channel(Node c)
        {
            var t = values[layerOutputs[c].Name];
            int channels = (int)t.Shape[1], plane = t.Length / (int)t.Shape[0] / channels;
            var v = t.ToDoubles();
            return Enumerable.Range(0, channels).MaxBy(ch => Enumerable.Range(0, (int)t.Shape[0]).Sum(img => v.Skip((img * channels + ch) * plane).Take(plane).Sum(x => x * x)));
        }
        var picks = new List<(string, Node)> { ("first", convs[0]), ("middle", convs[convs.Count / 2]), ("last", convs[^1]), ("tiniest output", convs.MinBy(Rms)!) };
        return picks.Select(p => (p.Item1, p.Item2.Name, Channel(p.Item2))).ToList();
    }

    private static Value LayerOutput(Node conv)
    {
        var v = conv.Output(0)!;
        while (!v.IsGraphOutput && v.Uses.Count == 1 && v.Uses[0].Node is { OpType: "BatchNormalization" or "Relu" or "Clip" or "LeakyRelu" or "HardSwish" or "Add" } next
            && next.Output(0) is { } o)
            v = o;
        return v;
    }

    /// <summary>The model with output channel <paramref name="channel"/> of Conv <paramref name="node"/> scaled by 1.01 (weights and bias).</summary>
    public static byte[] InWeights(string path, string node, int channel)
    {
        using var m = ModelLoader.Load(path);
        var conv = m.Graph.Nodes.Single(n => n.Name == node);
        for (int input = 1; input <= 2; input++)
        {
            if (Graph.TryGetConstant(conv.Input(input)) is not { } t) continue;
            var data = TensorValue.FromTensor(t).AsSpan<float>().ToArray();
            int slab = data.Length / (int)t.Dims[0];
            for (int i = channel * slab; i < (channel + 1) * slab; i++) data[i] = (float)(data[i] * Factor);
            conv.SetInput(input, m.Graph.AddInitializer($"{node}.changed{input}", Tensor.FromFloats($"{node}.changed{input}", (long[])t.Dims.Clone(), data)));
        }
        return ModelSaver.ToBytes(m);
    }

    /// <summary>The built-in operator table with a Conv kernel that is wrong by 1% in one channel at one node (a test-only override).</summary>
    public static KernelRegistry BrokenKernel(string node, int channel)
    {
        var r = new KernelRegistry();
        foreach (var reg in KernelRegistry.Builtin.All)
        {
            var factory = reg.OpType == "Conv" ? (OperatorFactory)(n => new Broken(reg.Factory(n), node, channel)) : reg.Factory;
            r.Add(reg.OpType, reg.MinOpset, reg.MaxOpset, factory, reg.Memory, reg.Domain);
        }
        return r;
    }

    private static TensorValue? Widened(TensorValue? t)
    {
        if (t is not { ElementType: ElementType.Float16 }) return t;
        var f = TensorValue.Allocate(ElementType.Float, (long[])t.Shape.Clone());
        Cast.Convert(t, f);
        return f;
    }

    private sealed class Broken : IOperator
    {
        private readonly IOperator _inner;
        private readonly string _node;
        private readonly int _channel;

        public Broken(IOperator inner, string node, int channel)
        {
            _inner = inner;
            _node = node;
            _channel = channel;
        }

        public void Run(OpContext ctx)
        {
            if (ctx.Node.Name != _node) { _inner.Run(ctx); return; }
            // A float16 model's Conv computes in float32 and rounds its output to float16 (as the executor's own
            // wrapper does): widen here, so the channel is scaled before that rounding, like a changed weight.
            var inputs = Enumerable.Range(0, ctx.InputCount).Select(i => Widened(ctx.Input(i))).ToArray();
            var outputs = new TensorValue?[ctx.OutputCount];
            ctx.Override(inputs, outputs);
            try { _inner.Run(ctx); }
            finally { ctx.Override(null, null); }
            var y = outputs[0]!;
            var v = y.AsSpan<float>();
            int channels = (int)y.Shape[1], plane = y.Length / (int)y.Shape[0] / channels;
            for (int img = 0; img < y.Shape[0]; img++)
                foreach (ref float e in v.Slice((img * channels + _channel) * plane, plane)) e = (float)(e * Factor);
            if (ctx.Input(0)!.ElementType == ElementType.Float16)
                Cast.Convert(y, ctx.Output(0, ElementType.Float16, (long[])y.Shape.Clone()));
            else
                ctx.SetOutput(0, y);
        }
    }
}
