using OnnxNorm.Ir;

namespace OnnxNorm.Ort;

/// <summary>
/// What ONNX Runtime's CPU kernels assume without checking, checked here before any session is created.
/// A model that breaks one of these passes onnx.checker but kills the process inside ORT (SIGFPE on a
/// ConvTranspose with group=0, a segfault on a training-mode BN-15 without its running outputs), and a
/// crash there cannot be caught. Each rule is per op; a violation is a <see cref="BadInputException"/>
/// naming the node. Every graph is checked, subgraphs included.
/// </summary>
public static class OrtKernelGuard
{
    private static readonly Dictionary<string, Action<Node>> Rules = new(StringComparer.Ordinal)
    {
        ["Conv"] = n => CheckConv(n, transposed: false),
        ["ConvTranspose"] = n => CheckConv(n, transposed: true),
        ["ConvInteger"] = n => CheckConv(n, transposed: false),
        ["QLinearConv"] = n => CheckConv(n, transposed: false),
        ["BatchNormalization"] = CheckBatchNorm,
        ["MaxPool"] = CheckPool,
        ["AveragePool"] = CheckPool,
        ["LpPool"] = CheckPool,
    };

    /// <summary>Refuses, before ORT sees it, a model with a node ORT's CPU kernels are known to crash on.</summary>
    /// <exception cref="BadInputException">Names the node and why.</exception>
    public static void Check(Model model)
    {
        foreach (var node in model.Graph.AllNodes())
            if (node.Domain.Length == 0 && Rules.TryGetValue(node.OpType, out var rule)) rule(node);
    }

    private static void CheckConv(Node n, bool transposed)
    {
        long group = n.GetInt("group", 1);
        if (group <= 0) throw Refuse(n, $"group={group}; it must be at least 1");
        Positive(n, "strides");
        Positive(n, "dilations");
        Positive(n, "kernel_shape");
        if (n.GetInts("pads") is { } pads && pads.Any(p => p < 0)) throw Refuse(n, "has a negative pad");
        if (transposed && n.GetInts("output_padding") is { } op && op.Any(p => p < 0)) throw Refuse(n, "has a negative output_padding");
        var w = n.Input(1)?.Initializer?.Dims;
        if (w is null || w.Length < 3) return;
        if (w.Any(d => d <= 0)) throw Refuse(n, $"its weight has an empty dim [{string.Join(',', w)}]");
        long channelsIn = n.Input(0)?.Shape is { Length: > 1 } x && x[1].Value is long c ? c : -1;
        if (transposed)
        {
            if (w[0] % group != 0) throw Refuse(n, $"weight input channels {w[0]} are not divisible by group={group}");
            if (channelsIn > 0 && channelsIn != w[0]) throw Refuse(n, $"input has {channelsIn} channels but the weight expects {w[0]}");
        }
        else
        {
            if (w[0] % group != 0) throw Refuse(n, $"{w[0]} output channels are not divisible by group={group}");
            if (channelsIn > 0 && channelsIn != w[1] * group) throw Refuse(n, $"input has {channelsIn} channels but weight [{string.Join(',', w)}] with group={group} expects {w[1] * group}");
        }
        if (n.GetInts("kernel_shape") is { } k && k.Length != w.Length - 2) throw Refuse(n, $"kernel_shape has {k.Length} dims but the weight has {w.Length - 2} spatial dims");
    }

    private static void CheckPool(Node n)
    {
        Positive(n, "strides");
        Positive(n, "dilations");
        Positive(n, "kernel_shape");
        if (n.GetInts("pads") is { } pads && pads.Any(p => p < 0)) throw Refuse(n, "has a negative pad");
    }

    // BN-14/15 in training mode writes running_mean/running_var; ORT's kernel writes them without checking they exist.
    private static void CheckBatchNorm(Node n)
    {
        if (n.Opset < 14) return;
        bool training = n.GetInt("training_mode", 0) != 0;
        bool hasRunning = n.Output(1) is not null && n.Output(2) is not null;
        if (training && !hasRunning) throw Refuse(n, "training_mode=1 needs both running_mean and running_var outputs");
    }

    private static void Positive(Node n, string attribute)
    {
        if (n.GetInts(attribute) is { } v && v.Any(x => x <= 0)) throw Refuse(n, $"{attribute} [{string.Join(',', v)}] must be positive");
    }

    private static BadInputException Refuse(Node n, string why) =>
        new($"{n.Describe()}: {why} (ONNX Runtime's kernel would crash on it; refused before creating a session)");
}
