using Google.Protobuf;
using OnnxNorm.Ir;
using OnnxNorm.Ir.Proto;

namespace OnnxNorm.Runtime.Execution;

/// <summary>
/// One node of a model as a model of its own, for running that node alone on any engine: the values given are
/// graph inputs (declared with their types and shapes), the constants it reads are initializers (a constant computed
/// by other nodes brings those nodes along), and its outputs are the graph outputs, all under their original names
/// (so a kernel registry keyed by node name still applies). The per-node search runs a node this way on both engines
/// with the same inputs, to score the node's own error apart from the error it inherits.
/// </summary>
internal static class NodeModel
{
    /// <summary>The model's bytes; null when the node (or a node computing one of its constants) has a subgraph, or
    /// an input is neither in <paramref name="fed"/> nor computed from constants alone.</summary>
    public static byte[]? Build(Node node, IReadOnlyDictionary<string, TensorValue> fed)
    {
        var model = node.Owner.Model;
        var proto = new ModelProto { IrVersion = model.IrVersion, Graph = new GraphProto { Name = "node" } };
        foreach (var (domain, version) in model.OpsetImports)
            proto.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = version });
        if (!AddNode(node, proto.Graph, fed, new HashSet<string>(StringComparer.Ordinal))) return null;
        // Outputs without a type: both engines infer it (ORT rejects a tensor type without an element type).
        foreach (var o in node.Outputs)
            if (o is not null) proto.Graph.Output.Add(new ValueInfoProto { Name = o.Name });
        return proto.ToByteArray();
    }

    private static bool AddNode(Node n, GraphProto g, IReadOnlyDictionary<string, TensorValue> fed, HashSet<string> known)
    {
        if (n.Subgraphs.Count > 0) return false;
        foreach (var i in n.Inputs)
            if (i is { Name.Length: > 0 } && !AddValue(i, n.Owner, g, fed, known)) return false;
        var p = n.Proto.Clone();
        p.Input.Clear();
        p.Output.Clear();
        foreach (var i in n.Inputs) p.Input.Add(i?.Name ?? "");
        foreach (var o in n.Outputs) p.Output.Add(o?.Name ?? "");
        g.Node.Add(p);
        foreach (var o in n.Outputs) if (o is not null) known.Add(o.Name);
        return true;
    }

    private static bool AddValue(Value v, Graph scope, GraphProto g, IReadOnlyDictionary<string, TensorValue> fed, HashSet<string> known)
    {
        if (known.Contains(v.Name)) return true;
        if (fed.TryGetValue(v.Name, out var t))
        {
            var type = new TypeProto.Types.Tensor { ElemType = (int)t.ElementType, Shape = new TensorShapeProto() };
            foreach (long d in t.Shape) type.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
            g.Input.Add(new ValueInfoProto { Name = v.Name, Type = new TypeProto { TensorType = type } });
            known.Add(v.Name);
            return true;
        }
        if (v.ConstantTensor is { } c)
        {
            var init = c.ToInlineProto().Clone();
            init.Name = v.Name;
            g.Initializer.Add(init);
            known.Add(v.Name);
            return true;
        }
        // A constant made by other nodes (a Transpose or Cast of a weight): those nodes come along. A value from an
        // enclosing graph or a graph input nobody fed cannot be computed here.
        return v.Owner == scope && v.Producer is { } p && AddNode(p, g, fed, known);
    }
}
