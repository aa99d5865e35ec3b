using Google.Protobuf;
using OnnxNorm.Ir;
using OnnxNorm.Ir.Proto;

namespace OnnxNorm.Runtime.Execution;

/// <summary>
/// Constant folding with the native executor: the node is copied into a one-node model whose inputs are
/// initializers, that model is run once, and its outputs become tensors. Going through the same kernels as
/// `run` means a folded constant is exactly what the unfolded graph computes here.
/// </summary>
public sealed class NativeConstantEvaluator : IConstantEvaluator
{
    /// <summary>The one instance (it holds no state).</summary>
    public static NativeConstantEvaluator Instance { get; } = new();

    /// <inheritdoc/>
    public IReadOnlyList<Tensor>? TryEvaluate(Node node, IReadOnlyList<Tensor?> inputs)
    {
        if (node.Subgraphs.Count > 0 || !KernelRegistry.Builtin.Supports(node.Domain, node.OpType, node.Opset)) return null;
        var model = new ModelProto { IrVersion = 8, Graph = new GraphProto { Name = "fold" } };
        foreach (var (domain, version) in node.Owner.Model.OpsetImports)
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = version });
        var proto = node.Proto.Clone();
        proto.Input.Clear();
        proto.Output.Clear();
        for (int i = 0; i < inputs.Count; i++)
        {
            if (inputs[i] is not { } t) { proto.Input.Add(""); continue; }
            var p = t.ToInlineProto().Clone();
            p.Name = $"in{i}";
            model.Graph.Initializer.Add(p);
            proto.Input.Add(p.Name);
        }
        var wanted = new List<int>();
        for (int o = 0; o < node.Outputs.Count; o++)
        {
            if (node.Outputs[o] is null) { proto.Output.Add(""); continue; }
            proto.Output.Add($"out{o}");
            model.Graph.Output.Add(new ValueInfoProto { Name = $"out{o}", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor() } });
            wanted.Add(o);
        }
        model.Graph.Node.Add(proto);
        try
        {
            using var m = ModelLoader.Load(model.ToByteArray(), "constant folding");
            var session = NativeSession.Create(m, new SessionOptions { Threads = 1 });
            var results = session.Run(new Dictionary<string, TensorValue>());
            var tensors = new List<Tensor>();
            foreach (int o in wanted)
            {
                var v = results[$"out{o}"];
                if (v.ElementType == ElementType.String) return null;
                tensors.Add(Tensor.FromBytes("", v.ElementType, (long[])v.Shape.Clone(), v.AsBytes().ToArray()));
            }
            return tensors;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Anything the executor cannot compute (no kernel for these types, an integer division by zero, a
            // shape it rejects) stays a run-time node: folding is an optimisation, never a new failure.
            return null;
        }
    }
}
